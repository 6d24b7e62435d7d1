// spf_macro: the macro language of RFC 7208 §7 — syntax checks of
// macro-string, domain-spec (§7.1, §12 ABNF) and explain-string, and
// expansion (§7.3, §7.4): letters s l o d i p h v (c r t in explanations
// only), the DIGIT and "r" transformers, delimiters, URL escaping for
// uppercase letters, %%, %_ and %-. Pure: %{p}, the one value that needs DNS,
// comes from the caller through ValidatedNames.
#pragma once

#include <string>
#include <string_view>

namespace sw::spf {

enum class MacroMode {
    domain,       // domain-spec and modifier values: visible ASCII, no c r t
    explanation,  // the TXT text named by exp= (§6.2): spaces and c r t too
};

// Supplies %{p} (RFC 7208 §7.3): the validated name of the client that is
// `domain` or a subdomain of it, else any validated name, else "unknown".
class ValidatedNames {
public:
    virtual ~ValidatedNames() = default;
    virtual std::string_view validated_name(std::string_view domain) = 0;
};

// The values the letters expand to, for one check and one current domain.
struct MacroValues {
    std::string_view s;  // <sender>
    std::string_view l;  // local-part of <sender>
    std::string_view o;  // domain of <sender>
    std::string_view d;  // <domain>, the current domain
    std::string_view i;  // <ip>, dot-format
    std::string_view c;  // <ip>, readable (explanations only)
    std::string_view v;  // "in-addr" or "ip6"
    std::string_view h;  // HELO/EHLO domain
    std::string_view r;  // receiving host (explanations only)
    std::string_view t;  // current time, seconds since the epoch (explanations only)
    ValidatedNames* p = nullptr;  // nullptr: %{p} is "unknown"
};

// Why `text` is not a valid macro-string (or explain-string in explanation
// mode); empty when it is.
std::string_view macro_syntax_error(std::string_view text, MacroMode mode) noexcept;

// Why `spec` is not a valid domain-spec (§7.1: a macro-string ending in a
// macro-expand or in "." toplabel ["."]); empty when it is.
std::string_view domain_spec_error(std::string_view spec) noexcept;

// Appends the expansion of `text` to `out`. False on a syntax error (then
// `out` holds a partial expansion).
bool expand_macros(std::string_view text, MacroMode mode, const MacroValues& values, std::string& out);

}  // namespace sw::spf
