// DKIM key records; see dkim_record.hpp.
#include "core/dkim/dkim_record.hpp"

#include "core/util/strings.hpp"

namespace sw::dkim {

std::string key_record_value(const KeyInfo& key) {
    return "v=DKIM1; k=" + std::string(key_type(key.algorithm)) + "; p=" + key.public_key_b64;
}

std::string key_record_name(std::string_view selector, std::string_view domain) {
    return std::string(selector) + "._domainkey." + std::string(domain);
}

std::string zone_file_line(std::string_view selector, std::string_view domain, std::string_view value) {
    std::string out = key_record_name(selector, domain) + ". IN TXT (";
    for (std::size_t at = 0; at < value.size(); at += 255) {
        out += " \"";
        out += value.substr(at, 255);  // our values hold no '"' or '\\'
        out += '"';
    }
    out += " )";
    return out;
}

std::optional<std::map<std::string, std::string>> parse_key_record(std::string_view text) {
    std::map<std::string, std::string> tags;
    std::size_t at = 0;
    while (at <= text.size()) {
        auto semi = text.find(';', at);
        std::string_view item = text.substr(at, semi == std::string_view::npos ? std::string_view::npos : semi - at);
        at = semi == std::string_view::npos ? text.size() + 1 : semi + 1;
        item = trim(item);
        if (item.empty()) continue;  // a trailing ';' is allowed
        auto eq = item.find('=');
        if (eq == std::string_view::npos) return std::nullopt;
        std::string name = to_lower(trim(item.substr(0, eq)));
        if (name.empty()) return std::nullopt;
        if (!tags.emplace(name, std::string(trim(item.substr(eq + 1)))).second) return std::nullopt;
    }
    return tags;
}

bool record_matches(std::string_view record, const KeyInfo& ours, std::string& why) {
    auto tags = parse_key_record(record);
    if (!tags) {
        why = "the record is not a DKIM tag list";
        return false;
    }
    if (auto v = tags->find("v"); v != tags->end() && v->second != "DKIM1") {
        why = "v=" + v->second + " is not DKIM1";
        return false;
    }
    std::string k = "rsa";  // RFC 6376 §3.6.1: k= defaults to rsa
    if (auto it = tags->find("k"); it != tags->end()) k = to_lower(it->second);
    if (k != key_type(ours.algorithm)) {
        why = "k=" + k + " but our key is " + std::string(key_type(ours.algorithm));
        return false;
    }
    auto p = tags->find("p");
    if (p == tags->end() || p->second.empty()) {
        why = "the record has no key (p= empty: revoked)";
        return false;
    }
    if (!same_public_key(ours, p->second)) {
        why = "the published key is not the public half of our private key";
        return false;
    }
    return true;
}

}  // namespace sw::dkim
