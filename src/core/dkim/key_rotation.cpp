// Key management operations; see key_rotation.hpp.
#include "core/dkim/key_rotation.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/dkim/dkim_record.hpp"
#include "core/util/secure_file.hpp"
#include "core/util/strings.hpp"

namespace sw::dkim {
namespace {

Result<void> write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail(std::strerror(errno));
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

}  // namespace

Result<NewKey> write_new_key(const std::string& dir, const std::string& selector, Algorithm algorithm, int rsa_bits,
                             const std::string& group_name) {
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) {
        std::filesystem::create_directories(dir, ec);
        if (ec) return fail("cannot create " + dir + ": " + ec.message());
        ::chmod(dir.c_str(), 0750);
    }
    auto pem = generate_private_key(algorithm, rsa_bits);
    if (!pem) return fail(pem.error());
    auto info = inspect_private_key(*pem);
    if (!info) return fail(info.error());

    NewKey out;
    out.path = dir + "/" + selector + ".private";
    out.info = *info;
    int fd = ::open(out.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST) return fail(out.path + " exists; a key is never overwritten (pick another selector)");
        return fail("cannot create " + out.path + ": " + std::strerror(errno));
    }
    auto written = write_all(fd, pem->view());
    if (written && ::fsync(fd) != 0) written = fail(std::strerror(errno));
    if (written && ::geteuid() == 0) {
        if (const group* g = ::getgrnam(group_name.c_str())) {
            if (::fchown(fd, 0, g->gr_gid) == 0 && ::fchmod(fd, 0640) == 0) {
                out.mode = 0640;
                out.group = group_name;
                // the directory must let the group through
                struct stat st {};
                if (::stat(dir.c_str(), &st) == 0 && st.st_uid == 0) {
                    if (::chown(dir.c_str(), 0, g->gr_gid) == 0) ::chmod(dir.c_str(), 0750);
                }
            }
        }
    }
    ::close(fd);
    if (!written) {
        ::unlink(out.path.c_str());
        return fail("cannot write " + out.path + ": " + written.error());
    }
    return out;
}

std::vector<KeyStatus> keys_status(const SigningTable& table, std::time_t now) {
    std::vector<KeyStatus> out;
    for (const auto& key : table.entries()) {
        KeyStatus s;
        s.key = &key;
        struct stat st {};
        if (::stat(key.keyfile.c_str(), &st) == 0) s.age_days = static_cast<long>((now - st.st_mtime) / 86400);
        auto bytes = read_secret_file(key.keyfile);
        if (!bytes) {
            s.problem = bytes.error();
        } else if (auto info = inspect_private_key(*bytes); !info) {
            s.problem = key.keyfile + ": " + info.error();
        } else if (info->algorithm != key.algorithm) {
            s.problem = key.keyfile + ": is an " + std::string(key_type(info->algorithm)) + " key";
        } else {
            s.readable = true;
            s.info = std::move(*info);
        }
        s.signs = s.readable && key.active;
        out.push_back(std::move(s));
    }
    return out;
}

Published check_published(const SigningKey& key, const KeyInfo& ours, dns::Resolver& resolver) {
    Published p;
    std::string name = key_record_name(key.selector, key.signing_domain);
    auto answer = resolver.query(name, dns::Type::TXT);
    if (answer.status == dns::Status::temporary) {
        p.temporary = true;
        p.detail = "DNS lookup of " + name + " failed: " + answer.error;
        return p;
    }
    if (answer.status == dns::Status::nxdomain || answer.texts.empty()) {
        p.detail = "no TXT record at " + name + " (publish it first)";
        return p;
    }
    p.found = true;
    std::string last_why;
    for (const auto& text : answer.texts) {
        std::string why;
        if (record_matches(text, ours, why)) {
            p.matches = true;
            return p;
        }
        last_why = why;
    }
    p.detail = name + ": " + last_why;
    return p;
}

Result<Activation> activate_key(const std::string& policy_dir, const std::string& domain,
                                const std::string& selector, bool force, dns::Resolver& resolver) {
    const std::string path = policy_dir + "/signing";
    std::ifstream in(path);
    if (!in) return fail("cannot read " + path + ": " + std::strerror(errno));
    std::stringstream text;
    text << in.rdbuf();
    std::vector<std::string> errors;
    std::istringstream parse_in(text.str());
    auto table = SigningTable::parse(parse_in, path, policy_dir, errors);
    if (!errors.empty()) return fail(errors.front());

    const SigningKey* target = nullptr;
    const std::string want_domain = to_lower(domain);
    for (const auto& k : table.entries())
        if (k.domain == want_domain && to_lower(k.selector) == to_lower(selector)) target = &k;
    if (!target) return fail(path + ": no line for domain " + domain + " selector " + selector);

    Activation act;
    act.domain = target->domain;
    act.selector = target->selector;
    act.algorithm = std::string(to_string(target->algorithm));
    auto bytes = read_secret_file(target->keyfile);
    if (!bytes) return fail(bytes.error());
    auto info = inspect_private_key(*bytes);
    if (!info) return fail(target->keyfile + ": " + info.error());
    act.dns = check_published(*target, *info, resolver);
    if (!act.dns.matches) {
        if (!force)
            return fail("not activating " + selector + " of " + domain + ": " + act.dns.detail +
                        "; verifiers would fail every signature (use --force to switch anyway)");
        act.forced = true;
    }

    // Rewrite: the target line ends in "active", the other active line of the
    // same domain and algorithm in "standby"; everything else is kept as is.
    std::vector<std::string> lines;
    {
        std::istringstream all(text.str());
        for (std::string l; std::getline(all, l);) lines.push_back(l);
    }
    auto set_option = [&](int line_no, const char* option) {
        std::string& l = lines[static_cast<std::size_t>(line_no - 1)];
        std::string body = l;
        std::string comment;
        if (auto hash = body.find('#'); hash != std::string::npos) {
            comment = body.substr(hash);
            body.resize(hash);
        }
        while (!body.empty() && (body.back() == ' ' || body.back() == '\t')) body.pop_back();
        std::string last = body.substr(body.find_last_of(" \t") + 1);
        std::string low = to_lower(last);
        if (low == "active" || low == "standby") {
            body.resize(body.size() - last.size());
            while (!body.empty() && (body.back() == ' ' || body.back() == '\t')) body.pop_back();
        }
        l = body + " " + option + (comment.empty() ? "" : "  " + comment);
    };
    for (const auto& k : table.entries()) {
        if (&k == target) continue;
        if (k.domain == target->domain && k.algorithm == target->algorithm && k.active) {
            set_option(k.line, "standby");
            act.now_standby.push_back(k.selector);
        }
    }
    set_option(target->line, "active");

    std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        for (const auto& l : lines) out << l << "\n";
        out.flush();
        if (!out) return fail("cannot write " + tmp);
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        ::chmod(tmp.c_str(), st.st_mode & 07777);
        if (::chown(tmp.c_str(), st.st_uid, st.st_gid) != 0) { /* keep ours */ }
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        return fail("cannot replace " + path + ": " + std::strerror(errno));
    }
    return act;
}

}  // namespace sw::dkim
