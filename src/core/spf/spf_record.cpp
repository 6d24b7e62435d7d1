// The SPF record parser; see spf_record.hpp. A hand-written scanner over the
// RFC 7208 §12 ABNF: terms are separated by spaces only (§4.6.1), so any other
// byte outside the grammar (controls, 8-bit) makes its term invalid.
#include "core/spf/spf_record.hpp"

#include <string>

#include "core/spf/spf_address.hpp"
#include "core/spf/spf_macro.hpp"
#include "core/util/strings.hpp"

namespace sw::spf {

namespace {

bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_name_char(char c) noexcept { return is_alpha(c) || is_digit(c) || c == '-' || c == '_' || c == '.'; }

struct MechanismName {
    std::string_view name;
    MechanismKind kind;
};
constexpr MechanismName kMechanisms[] = {
    {"all", MechanismKind::all}, {"include", MechanismKind::include}, {"a", MechanismKind::a},
    {"mx", MechanismKind::mx},   {"ptr", MechanismKind::ptr},         {"ip4", MechanismKind::ip4},
    {"ip6", MechanismKind::ip6}, {"exists", MechanismKind::exists},
};

// "/" ( "0" / %x31-39 *DIGIT ) with value <= max (RFC 7208 §5.6: no leading
// zeros, and an IPv4 prefix over 32 or IPv6 over 128 is an error).
bool parse_cidr(std::string_view digits, int max, std::uint8_t& out) noexcept {
    if (digits.empty() || digits.size() > 3) return false;
    if (digits.size() > 1 && digits.front() == '0') return false;
    int v = 0;
    for (char c : digits) {
        if (!is_digit(c)) return false;
        v = v * 10 + (c - '0');
    }
    if (v > max) return false;
    out = static_cast<std::uint8_t>(v);
    return true;
}

// Where a trailing "/" 1*DIGIT starts in `s`, or npos.
std::size_t cidr_suffix(std::string_view s) noexcept {
    std::size_t slash = s.rfind('/');
    if (slash == std::string_view::npos || slash + 1 == s.size()) return std::string_view::npos;
    for (std::size_t i = slash + 1; i < s.size(); ++i)
        if (!is_digit(s[i])) return std::string_view::npos;
    return slash;
}

// dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ], taken off
// the end of `s` (a domain-spec may itself contain "/", §7.1).
bool take_dual_cidr(std::string_view& s, Mechanism& m) noexcept {
    std::size_t p = cidr_suffix(s);
    if (p == std::string_view::npos) return true;
    if (p > 0 && s[p - 1] == '/') {
        if (!parse_cidr(s.substr(p + 1), 128, m.cidr6)) return false;
        s = s.substr(0, p - 1);
        p = cidr_suffix(s);
        if (p == std::string_view::npos) return true;
    }
    if (!parse_cidr(s.substr(p + 1), 32, m.cidr4)) return false;
    s = s.substr(0, p);
    return true;
}

// ip4:/ip6: network and optional single CIDR length.
std::string_view parse_ip_network(std::string_view arg, Mechanism& m) {
    bool v4 = m.kind == MechanismKind::ip4;
    std::string_view net = arg;
    if (std::size_t slash = arg.find('/'); slash != std::string_view::npos) {
        net = arg.substr(0, slash);
        if (!parse_cidr(arg.substr(slash + 1), v4 ? 32 : 128, v4 ? m.cidr4 : m.cidr6)) return "invalid prefix length";
    }
    auto addr = v4 ? parse_ip4(net) : parse_ip6(net);
    if (!addr) return v4 ? "invalid IPv4 network" : "invalid IPv6 network";
    m.network = *addr;
    return {};
}

std::string_view parse_mechanism(std::string_view name, std::string_view rest, Mechanism& m) {
    bool known = false;
    for (const auto& k : kMechanisms) {
        if (iequals(name, k.name)) {
            m.kind = k.kind;
            known = true;
            break;
        }
    }
    if (!known) return "unknown mechanism";
    switch (m.kind) {
        case MechanismKind::all:
            return rest.empty() ? std::string_view{} : "'all' takes no argument";
        case MechanismKind::include:
        case MechanismKind::exists:
            if (rest.empty() || rest.front() != ':') return "domain-spec required";
            m.domain_spec = rest.substr(1);
            return domain_spec_error(m.domain_spec);
        case MechanismKind::ptr:
            if (rest.empty()) return {};
            if (rest.front() != ':') return "invalid argument";
            m.domain_spec = rest.substr(1);
            return domain_spec_error(m.domain_spec);
        case MechanismKind::a:
        case MechanismKind::mx: {
            if (rest.empty()) return {};
            bool has_domain = rest.front() == ':';
            if (!has_domain && rest.front() != '/') return "invalid argument";
            std::string_view arg = has_domain ? rest.substr(1) : rest;
            if (!take_dual_cidr(arg, m)) return "invalid prefix length";
            if (!has_domain) return arg.empty() ? std::string_view{} : "invalid prefix length";
            m.domain_spec = arg;
            return domain_spec_error(arg);
        }
        case MechanismKind::ip4:
        case MechanismKind::ip6:
            if (rest.empty() || rest.front() != ':') return "network required";
            return parse_ip_network(rest.substr(1), m);
    }
    return "unknown mechanism";
}

// One term into `rec`; returns why it is invalid, or empty.
std::string_view parse_term(std::string_view term, Record& rec) {
    Mechanism m;
    m.text = term;
    std::size_t i = 0;
    bool qualified = false;
    switch (term.front()) {
        case '+': case '-': case '~': case '?':
            m.qualifier = static_cast<Qualifier>(term.front());
            qualified = true;
            i = 1;
            break;
        default:
            break;
    }
    // name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) (§12); mechanism
    // names are a subset, so one scan serves both.
    std::size_t j = i;
    if (j < term.size() && is_alpha(term[j]))
        while (++j < term.size() && is_name_char(term[j])) {
        }
    std::string_view name = term.substr(i, j - i);
    if (j < term.size() && term[j] == '=') {
        if (qualified) return "qualifier on a modifier";
        if (name.empty()) return "modifier without a name";
        std::string_view value = term.substr(j + 1);
        // §6: redirect and exp at most once each; known names are never
        // unknown modifiers, so their syntax errors are errors (§6.1, §6.2).
        if (iequals(name, "redirect") || iequals(name, "exp")) {
            auto& slot = iequals(name, "redirect") ? rec.redirect : rec.exp;
            if (slot) return "modifier given twice";
            slot = value;
            return domain_spec_error(value);
        }
        return macro_syntax_error(value, MacroMode::domain);
    }
    if (auto err = parse_mechanism(name, term.substr(j), m); !err.empty()) return err;
    rec.mechanisms.push_back(m);
    return {};
}

}  // namespace

bool is_spf_record(std::string_view text) noexcept {
    return text.size() >= 6 && iequals(text.substr(0, 6), "v=spf1") && (text.size() == 6 || text[6] == ' ');
}

sw::Result<Record> parse_record(std::string_view text) {
    if (!is_spf_record(text)) return fail("not an SPF record (no \"v=spf1\")");
    Record rec;
    std::size_t pos = 6;
    while (pos < text.size()) {
        if (text[pos] == ' ') {
            ++pos;
            continue;
        }
        std::size_t end = text.find(' ', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view term = text.substr(pos, end - pos);
        if (auto err = parse_term(term, rec); !err.empty())
            return fail("invalid term \"" + printable(term, 80) + "\": " + std::string(err));
        pos = end;
    }
    return rec;
}

}  // namespace sw::spf
