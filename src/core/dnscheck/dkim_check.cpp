// The DKIM check of dns-check; see dkim_check.hpp.
#include "core/dnscheck/dkim_check.hpp"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>

#include "core/dkim/dkim_key.hpp"
#include "core/dkim/dkim_record.hpp"
#include "core/dkim/key_rotation.hpp"
#include "core/util/secure_file.hpp"
#include "core/util/strings.hpp"

namespace sw::dnscheck {
namespace {

std::string shown(std::string_view s) { return printable(s, 300); }

// What a selector's name publishes, for selectors whose key we cannot
// compare (check_published() does it when we can).
struct Publication {
    enum class Kind { missing, revoked, key, invalid, temporary } kind = Kind::missing;
    std::string detail;  // temporary: the resolver's reason
};

Publication published_at(dns::Resolver& resolver, const std::string& name) {
    Publication p;
    dns::Answer ans = resolver.query(name, dns::Type::TXT);
    if (ans.status == dns::Status::temporary) {
        p.kind = Publication::Kind::temporary;
        p.detail = ans.error;
        return p;
    }
    if (ans.status == dns::Status::nxdomain || ans.texts.empty()) return p;
    p.kind = Publication::Kind::invalid;
    for (const auto& t : ans.texts) {
        auto tags = dkim::parse_key_record(t);
        if (!tags) continue;
        auto key = tags->find("p");
        if (key == tags->end()) continue;
        if (!key->second.empty()) {
            p.kind = Publication::Kind::key;
            return p;
        }
        p.kind = Publication::Kind::revoked;
    }
    return p;
}

std::string published_word(Publication::Kind k) {
    switch (k) {
        case Publication::Kind::missing: return "missing";
        case Publication::Kind::revoked: return "revoked";
        case Publication::Kind::key: return "key";
        case Publication::Kind::invalid: return "invalid";
        case Publication::Kind::temporary: return "unknown";
    }
    return "unknown";
}

class DomainKeys {
public:
    DomainKeys(std::string domain, dns::Resolver& resolver, DkimCheck& out)
        : domain_(std::move(domain)), resolver_(resolver), out_(out) {}

    void table_key(const dkim::KeyStatus& s);
    void other_selector(const std::string& selector, const std::string& source, const std::string& keyfile);

private:
    void add(Level level, const std::string& selector, std::string message, bool temporary = false) {
        out_.findings.push_back({level, "dkim", selector + ": " + std::move(message), temporary});
    }
    std::string name_of(const std::string& selector) const { return dkim::key_record_name(selector, domain_); }

    std::string domain_;
    dns::Resolver& resolver_;
    DkimCheck& out_;
};

// A signing-table line: its key must be readable and published as is.
void DomainKeys::table_key(const dkim::KeyStatus& s) {
    const dkim::SigningKey& k = *s.key;
    DkimSelectorCheck row;
    row.selector = k.selector;
    row.source = "table";
    row.state = k.active ? "active" : "standby";
    row.algorithm = std::string(dkim::to_string(k.algorithm));
    row.keyfile = k.keyfile;
    row.have_key = s.readable;
    const std::string name = name_of(k.selector);
    const Level wrong = k.active ? Level::error : Level::warning;  // a standby key signs nothing yet

    if (!s.readable) {
        // The milter refuses a table whose keys it cannot load, whatever DNS says.
        Publication p = published_at(resolver_, name);
        row.published = published_word(p.kind);
        if (p.kind == Publication::Kind::temporary)
            add(Level::error, k.selector, "DNS lookup of " + name + " failed (" + shown(p.detail) + "); try again", true);
        else if (p.kind == Publication::Kind::key)
            add(Level::error, k.selector, "DNS publishes a key at " + name + " but we no longer have its private key (" +
                                              shown(s.problem) +
                                              "): restore the key file, or remove the signing-table line and then the record");
        else
            add(Level::error, k.selector, "the key file cannot be read (" + shown(s.problem) +
                                              "): restore it, or remove the line from the signing table");
        out_.selectors.push_back(std::move(row));
        return;
    }

    row.expected_record = dkim::key_record_value(*s.info);
    dkim::Published p = dkim::check_published(k, *s.info, resolver_);
    const std::string what = row.state + " " + row.algorithm + " key" +
                             (s.info->algorithm == dkim::Algorithm::RsaSha256 ? " (" + std::to_string(s.info->bits) + " bits)" : "");
    if (p.temporary) {
        row.published = "unknown";
        add(Level::error, k.selector, shown(p.detail) + "; try again", true);
    } else if (p.matches) {
        row.published = "match";
        add(Level::ok, k.selector, what + " published at " + name + " and matching our private key");
    } else if (!p.found) {
        row.published = "missing";
        add(wrong, k.selector, what + " not published at " + name +
                                   (k.active ? ": verifiers fail every signature it makes; publish its record"
                                             : ": publish its record before `sendwarden keys activate`") +
                                   " (expected_record in --json)");
    } else {
        row.published = "mismatch";
        std::string why = p.detail;  // "NAME: why"
        if (why.rfind(name + ": ", 0) == 0) why.erase(0, name.size() + 2);
        add(wrong, k.selector, what + ": the record at " + name + " does not match (" + shown(why) + ")" +
                                   (k.active ? "; verifiers fail every signature it makes" : "") +
                                   ": publish the record of " + k.keyfile + " (expected_record in --json)");
    }
    out_.selectors.push_back(std::move(row));
}

// A selector the table does not list for the domain (--selector, or a key
// file in key_dir): nothing should be published for it unless mail signed
// with it may still be in flight.
void DomainKeys::other_selector(const std::string& selector, const std::string& source, const std::string& keyfile) {
    DkimSelectorCheck row;
    row.selector = selector;
    row.source = source;
    std::optional<dkim::KeyInfo> ours;
    std::string key_problem;
    std::error_code ec;
    if (!keyfile.empty() && std::filesystem::exists(keyfile, ec)) {
        row.keyfile = keyfile;
        auto bytes = read_secret_file(keyfile);
        auto info = bytes ? dkim::inspect_private_key(*bytes) : Result<dkim::KeyInfo>(fail(bytes.error()));
        if (info) {
            ours = *info;
            row.have_key = true;
            row.algorithm = std::string(dkim::to_string(info->algorithm));
            row.expected_record = dkim::key_record_value(*info);
        } else {
            key_problem = info.error();
        }
    }
    const std::string name = name_of(selector);
    Publication p = published_at(resolver_, name);
    row.published = published_word(p.kind);
    const std::string unused = source == "key_dir" ? "key " + keyfile + " is not in the signing table" : "not in the signing table";
    switch (p.kind) {
        case Publication::Kind::temporary:
            add(Level::error, selector, "DNS lookup of " + name + " failed (" + shown(p.detail) + "); try again", true);
            break;
        case Publication::Kind::missing:
            add(Level::ok, selector, unused + "; nothing published at " + name);
            break;
        case Publication::Kind::revoked:
            add(Level::ok, selector, unused + "; revoked at " + name + " (p= empty)");
            break;
        case Publication::Kind::invalid:
            add(Level::warning, selector, unused + "; the TXT record at " + name + " is not a DKIM key record: remove it");
            break;
        case Publication::Kind::key: {
            std::string why;
            bool same = false;
            if (ours) {
                for (const auto& t : resolver_.query(name, dns::Type::TXT).texts)
                    if (dkim::record_matches(t, *ours, why)) same = true;
            }
            if (same) {
                row.published = "match";
                add(Level::warning, selector, unused + " but its key is still published at " + name +
                                                  ": remove the record (or publish p= empty) once mail signed "
                                                  "with it has been delivered");
            } else {
                if (ours) row.published = "mismatch";
                std::string held = ours            ? "holds another key than " + keyfile
                                   : !key_problem.empty() ? "has a key whose private key cannot be read (" + shown(key_problem) + ")"
                                                          : "has a key whose private key we do not hold";
                add(Level::warning, selector, unused + "; " + name + " " + held +
                                                  ": remove the record, or restore the key if mail is still signed with it");
            }
            break;
        }
    }
    out_.selectors.push_back(std::move(row));
}

}  // namespace

DkimCheck check_dkim(std::string_view domain_in, const DkimSources& sources, dns::Resolver& resolver) {
    DkimCheck out;
    std::string domain = to_lower(domain_in);
    if (!domain.empty() && domain.back() == '.') domain.pop_back();
    DomainKeys keys(domain, resolver, out);

    std::set<std::string> checked;  // selectors, lower-case
    if (sources.table) {
        // A `*.domain` line signs as d=domain too: a selector is checked once.
        for (const auto& s : dkim::keys_status(*sources.table, sources.now)) {
            if (!iequals(s.key->signing_domain, domain)) continue;
            if (!checked.insert(to_lower(s.key->selector)).second) continue;
            keys.table_key(s);
        }
    }
    if (checked.empty())
        out.findings.push_back({Level::warning, "dkim",
                                "no selector configured for " + domain +
                                    " in the signing table: its mail is not signed (`sendwarden keygen --domain " +
                                    domain + " --selector S`, publish the record, add the line)"});

    auto key_path = [&](const std::string& selector) {
        return sources.key_dir.empty() ? std::string() : sources.key_dir + "/" + domain + "/" + selector + ".private";
    };
    for (const auto& sel : sources.extra_selectors)
        if (checked.insert(to_lower(sel)).second) keys.other_selector(sel, "option", key_path(sel));

    if (!sources.key_dir.empty()) {
        std::error_code ec;
        std::vector<std::string> found;
        for (std::filesystem::directory_iterator it(sources.key_dir + "/" + domain, ec), end; !ec && it != end;
             it.increment(ec))
            if (it->path().extension() == ".private") found.push_back(it->path().stem().string());
        std::sort(found.begin(), found.end());  // directory order is arbitrary
        for (const auto& sel : found)
            if (checked.insert(to_lower(sel)).second) keys.other_selector(sel, "key_dir", key_path(sel));
    }
    return out;
}

}  // namespace sw::dnscheck
