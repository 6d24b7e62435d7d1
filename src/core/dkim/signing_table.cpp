// The signing table; see signing_table.hpp.
#include "core/dkim/signing_table.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <utility>

#include "core/config/policy_table.hpp"
#include "core/dkim/dkim_key.hpp"
#include "core/util/secure_file.hpp"
#include "core/util/strings.hpp"

namespace sw::dkim {
namespace {

// RFC 1035 letters-digits-hyphen labels, at least two of them.
bool valid_domain(std::string_view d) {
    if (d.empty() || d.size() > 253 || d.front() == '.' || d.back() == '.') return false;
    std::size_t label = 0;
    int labels = 1;
    for (char c : d) {
        if (c == '.') {
            if (label == 0) return false;
            label = 0;
            ++labels;
            continue;
        }
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok || ++label > 63) return false;
    }
    return labels >= 2 || d == "localhost";
}

// RFC 6376 §3.1 selector: sub-domain *( "." sub-domain ).
bool valid_selector(std::string_view s) {
    if (s.empty() || s.size() > 63 || s.front() == '.' || s.back() == '.' || s.front() == '-') return false;
    for (char c : s) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
        if (!ok) return false;
    }
    return s.find("..") == std::string_view::npos;
}

}  // namespace

SigningTable SigningTable::parse(std::istream& in, const std::string& name, const std::string& base_dir,
                                 std::vector<std::string>& errors) {
    SigningTable table;
    table.name_ = name;
    auto read = config::read_table(in, name);
    errors.insert(errors.end(), read.errors.begin(), read.errors.end());
    std::map<std::pair<std::string, std::string>, int> selector_line;
    std::map<std::pair<std::string, Algorithm>, int> active_line;
    for (const auto& row : read.rows) {
        auto err = [&](const std::string& m) { errors.push_back(config::table_error(name, row.line, m)); };
        if (row.columns.size() < 4 || row.columns.size() > 5) {
            err("expected 'domain selector algorithm keyfile [active|standby]', got " +
                std::to_string(row.columns.size()) + " columns");
            continue;
        }
        SigningKey key;
        key.line = row.line;
        key.domain = to_lower(row.columns[0]);
        bool wildcard = key.domain.rfind("*.", 0) == 0;
        key.signing_domain = wildcard ? key.domain.substr(2) : key.domain;
        if (!valid_domain(key.signing_domain)) {
            err("bad domain '" + row.columns[0] + "' (a domain name, or *.parent for its subdomains)");
            continue;
        }
        key.selector = row.columns[1];
        if (!valid_selector(key.selector)) {
            err("bad selector '" + key.selector + "' (letters, digits, '-' and '.')");
            continue;
        }
        auto alg = parse_algorithm(to_lower(row.columns[2]));
        if (!alg) {
            err("unknown algorithm '" + row.columns[2] + "' (rsa-sha256 or ed25519-sha256)");
            continue;
        }
        key.algorithm = *alg;
        key.keyfile = row.columns[3];
        if (key.keyfile.empty()) {
            err("empty key file");
            continue;
        }
        if (key.keyfile[0] != '/') key.keyfile = base_dir + "/" + key.keyfile;
        if (row.columns.size() == 5) {
            std::string opt = to_lower(row.columns[4]);
            if (opt == "standby") key.active = false;
            else if (opt != "active") {
                err("unknown option '" + row.columns[4] + "' (active or standby)");
                continue;
            }
        }
        auto [sit, fresh] = selector_line.emplace(std::make_pair(key.domain, to_lower(key.selector)), row.line);
        if (!fresh) {
            err("selector '" + key.selector + "' of " + key.domain + " is listed again (first on line " +
                std::to_string(sit->second) + ")");
            continue;
        }
        if (key.active) {
            auto [ait, first] = active_line.emplace(std::make_pair(key.domain, key.algorithm), row.line);
            if (!first) {
                err("a second active " + std::string(to_string(key.algorithm)) + " key for " + key.domain +
                    " (line " + std::to_string(ait->second) + " is active; mark one of them 'standby')");
                continue;
            }
        }
        table.entries_.push_back(std::move(key));
    }
    return table;
}

void SigningTable::load_keys(std::vector<std::string>& errors) {
    for (auto& key : entries_) {
        auto err = [&](const std::string& m) { errors.push_back(config::table_error(name_, key.line, m)); };
        auto bytes = read_secret_file(key.keyfile);
        if (!bytes) {
            err(bytes.error());
            continue;
        }
        auto parsed = PrivateKey::parse(*bytes);
        if (!parsed) {
            err(key.keyfile + ": " + parsed.error());
            continue;
        }
        const KeyInfo* info = &(*parsed)->info();
        if (info->algorithm != key.algorithm) {
            err(key.keyfile + ": is an " + std::string(key_type(info->algorithm)) + " key, but the line says " +
                std::string(to_string(key.algorithm)));
            continue;
        }
        if (info->algorithm == Algorithm::RsaSha256 && info->bits < 1024) {
            err(key.keyfile + ": RSA key of " + std::to_string(info->bits) + " bits; RFC 8301 requires at least 1024");
            continue;
        }
        key.key = std::make_shared<const SecretBytes>(std::move(*bytes));
        key.parsed = std::move(*parsed);
    }
}

KeyChoice SigningTable::choose(std::string_view from_domain) const {
    std::string want = to_lower(from_domain);
    KeyChoice choice;
    auto collect = [&](std::string_view pattern) {
        for (const auto& key : entries_) {
            if (key.domain != pattern) continue;
            choice.matched = &key.domain;
            if (key.active) choice.keys.push_back(&key);
        }
        return choice.matched != nullptr;
    };
    if (collect(want)) return choice;
    for (auto dot = want.find('.'); dot != std::string::npos; dot = want.find('.', dot + 1)) {
        if (collect("*" + want.substr(dot))) return choice;
    }
    return choice;
}

SigningLoad load_signing_table(const std::string& policy_dir, bool with_keys) {
    SigningLoad load;
    const std::string path = policy_dir + "/signing";
    std::ifstream in(path);
    if (!in) {
        if (errno != ENOENT) {
            load.errors.push_back(path + ": cannot read: " + std::strerror(errno));
            return load;
        }
        load.missing = true;
        load.table = std::make_shared<const SigningTable>();
        return load;
    }
    auto table = SigningTable::parse(in, path, policy_dir, load.errors);
    if (with_keys && load.errors.empty()) table.load_keys(load.errors);
    if (load.errors.empty()) load.table = std::make_shared<const SigningTable>(std::move(table));
    return load;
}

}  // namespace sw::dkim
