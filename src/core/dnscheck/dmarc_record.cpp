// DMARC record parsing; see dmarc_record.hpp. Section numbers are RFC 7489's.
#include "core/dnscheck/dmarc_record.hpp"

#include <set>

#include "core/util/strings.hpp"

namespace sw::dnscheck {
namespace {

bool is_wsp(char c) noexcept { return c == ' ' || c == '\t'; }

std::string shown(std::string_view s) { return printable(s, 200); }

std::optional<DmarcPolicy> parse_policy(std::string_view v) {
    if (iequals(v, "none")) return DmarcPolicy::none;
    if (iequals(v, "quarantine")) return DmarcPolicy::quarantine;
    if (iequals(v, "reject")) return DmarcPolicy::reject;
    return std::nullopt;
}

bool is_tag_name(std::string_view n) noexcept {
    if (n.empty()) return false;
    for (char c : n)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    return true;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    std::size_t at = 0;
    while (true) {
        auto end = s.find(sep, at);
        out.push_back(trim(s.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at)));
        if (end == std::string_view::npos) return out;
        at = end + 1;
    }
}

// §6.4 dmarc-uri: URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ]; reports
// are sent by mail, so a mailto: address is what receivers can use.
void check_uri(std::string_view tag, std::string_view uri, DmarcRecord& r) {
    const std::string where = std::string(tag) + "=" + shown(uri) + ": ";
    auto bang = uri.rfind('!');
    if (bang != std::string_view::npos) {
        std::string_view size = uri.substr(bang + 1);
        if (!size.empty() && std::string_view("kmgtKMGT").find(size.back()) != std::string_view::npos)
            size.remove_suffix(1);
        if (!parse_uint(size)) {
            r.errors.push_back(where + "the size limit after '!' is not a number with an optional k, m, g or t");
            return;
        }
    }
    auto colon = uri.find(':');
    if (colon == std::string_view::npos || colon == 0) {
        r.errors.push_back(where + "not a URI (write mailto:address)");
        return;
    }
    if (!iequals(uri.substr(0, colon), "mailto")) {
        r.warnings.push_back(where + "receivers send reports by mail, to mailto: URIs");
        return;
    }
    std::string addr = mailto_address(uri);
    auto at = addr.find('@');
    if (at == std::string::npos || at == 0 || at + 1 == addr.size() || addr.find('.', at) == std::string::npos)
        r.errors.push_back(where + "not a mail address after mailto:");
}

void parse_tag(std::string_view name, std::string_view value, DmarcRecord& r) {
    auto policy_tag = [&](std::optional<DmarcPolicy>& into) {
        into = parse_policy(value);
        if (!into) r.errors.push_back(std::string(name) + "=" + shown(value) + " is not none, quarantine or reject");
    };
    auto mode_tag = [&](char& into) {
        if (iequals(value, "r") || iequals(value, "s")) into = static_cast<char>(value[0] | 0x20);
        else r.errors.push_back(std::string(name) + "=" + shown(value) + " is not r (relaxed) or s (strict)");
    };
    if (name == "p") {
        policy_tag(r.p);
    } else if (name == "sp") {
        policy_tag(r.sp);
    } else if (name == "np") {
        policy_tag(r.np);
    } else if (name == "pct") {
        auto n = parse_uint(value);
        if (n && *n <= 100) r.pct = static_cast<int>(*n);
        else r.errors.push_back("pct=" + shown(value) + " is not a whole number from 0 to 100");
    } else if (name == "rua" || name == "ruf") {
        auto& list = name == "rua" ? r.rua : r.ruf;
        for (auto uri : split(value, ',')) {
            if (uri.empty()) {
                r.errors.push_back(std::string(name) + "= has an empty URI");
                continue;
            }
            list.push_back(shown(uri));
            check_uri(name, uri, r);
        }
    } else if (name == "adkim") {
        mode_tag(r.adkim);
    } else if (name == "aspf") {
        mode_tag(r.aspf);
    } else if (name == "fo") {
        for (auto opt : split(value, ':'))
            if (opt != "0" && opt != "1" && opt != "d" && opt != "s")
                r.errors.push_back("fo=" + shown(value) + ": '" + shown(opt) + "' is not 0, 1, d or s");
        r.fo = shown(value);
    } else if (name == "ri") {
        auto n = parse_uint(value);
        if (n && *n <= 0xffffffffu) r.ri = static_cast<std::uint32_t>(*n);
        else r.errors.push_back("ri=" + shown(value) + " is not a number of seconds");
    } else if (name == "rf") {
        for (auto f : split(value, ':'))
            if (!iequals(f, "afrf")) r.warnings.push_back("rf=" + shown(value) + ": only afrf is defined");
    } else {
        r.warnings.push_back("unknown tag " + std::string(name) + "= is ignored by receivers (RFC 7489 §6.3)");
    }
}

}  // namespace

std::string_view to_string(DmarcPolicy p) noexcept {
    switch (p) {
        case DmarcPolicy::none: return "none";
        case DmarcPolicy::quarantine: return "quarantine";
        case DmarcPolicy::reject: return "reject";
    }
    return "none";
}

bool is_dmarc_record(std::string_view t) noexcept {
    if (t.empty() || (t[0] != 'v' && t[0] != 'V')) return false;
    t.remove_prefix(1);
    while (!t.empty() && is_wsp(t.front())) t.remove_prefix(1);
    if (t.empty() || t.front() != '=') return false;
    t.remove_prefix(1);
    while (!t.empty() && is_wsp(t.front())) t.remove_prefix(1);
    if (t.substr(0, 6) != "DMARC1") return false;  // %x44 %x4d ...: case matters
    t.remove_prefix(6);
    return t.empty() || t.front() == ';' || is_wsp(t.front());
}

std::string mailto_address(std::string_view uri) {
    if (uri.size() < 7 || !iequals(uri.substr(0, 7), "mailto:")) return {};
    uri.remove_prefix(7);
    if (auto bang = uri.rfind('!'); bang != std::string_view::npos) uri = uri.substr(0, bang);
    if (auto q = uri.find('?'); q != std::string_view::npos) uri = uri.substr(0, q);  // RFC 6068 headers
    return to_lower(trim(uri));
}

DmarcRecord parse_dmarc_record(std::string_view text) {
    DmarcRecord r;
    if (!is_dmarc_record(text)) {
        r.errors.push_back("does not begin with v=DMARC1, so receivers ignore it (RFC 7489 §6.6.3)");
        return r;
    }
    std::set<std::string> seen;
    bool first = true;
    int index = 0;
    for (auto item : split(text, ';')) {
        if (item.empty()) continue;  // "; ;" and a trailing ";" are allowed
        auto eq = item.find('=');
        std::string name = eq == std::string_view::npos ? std::string() : to_lower(trim(item.substr(0, eq)));
        if (!is_tag_name(name)) {
            r.errors.push_back("'" + shown(item) + "' is not a tag=value pair");
            continue;
        }
        std::string_view value = trim(item.substr(eq + 1));
        if (!seen.insert(name).second) {
            r.errors.push_back("tag " + name + "= appears more than once");
            continue;
        }
        ++index;
        if (first) {  // is_dmarc_record() checked it
            first = false;
            continue;
        }
        if (name == "p" && index != 2)
            r.warnings.push_back("p= should come right after v=DMARC1 (RFC 7489 §6.4); some receivers insist");
        parse_tag(name, value, r);
    }
    if (!seen.count("p"))
        r.errors.push_back("no p= tag: it is required (none, quarantine or reject)");
    return r;
}

}  // namespace sw::dnscheck
