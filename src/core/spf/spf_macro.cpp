// Macro syntax and expansion of RFC 7208 §7, without regular expressions:
// one left-to-right scan shared by the checker and the expander.
#include "core/spf/spf_macro.hpp"

#include <cstdint>

namespace sw::spf {

namespace {

// One parsed "%{...}" (RFC 7208 §7.1: macro-letter transformers *delimiter).
struct Macro {
    char letter = 0;       // lowercase
    bool escape = false;   // uppercase letter: URL-escape the result (§7.3)
    unsigned digits = 0;   // 0: all parts
    bool reverse = false;
    std::uint8_t delims = 0;  // bit per delimiter in kDelims; 0 means "."
};

constexpr std::string_view kDelims = ".-+,/_=";

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_alnum(char c) noexcept { return is_alpha(c) || is_digit(c); }

// macro-literal = %x21-24 / %x26-7E; explain-string adds SP.
bool literal_ok(char c, MacroMode mode) noexcept {
    auto u = static_cast<unsigned char>(c);
    if (u == ' ') return mode == MacroMode::explanation;
    return u >= 0x21 && u <= 0x7e && c != '%';
}

bool letter_ok(char l, MacroMode mode) noexcept {
    switch (l) {
        case 's': case 'l': case 'o': case 'd': case 'i': case 'p': case 'h': case 'v':
            return true;
        case 'c': case 'r': case 't':
            return mode == MacroMode::explanation;  // §7.2
        default:
            return false;
    }
}

// Parses the body of "%{" at text[pos]; on success `end` is past the "}".
std::string_view parse_macro(std::string_view text, std::size_t pos, MacroMode mode, Macro& m,
                             std::size_t& end) noexcept {
    if (pos >= text.size()) return "unterminated macro";
    char raw = text[pos];
    m.letter = lower(raw);
    if (!letter_ok(m.letter, mode)) return "invalid macro letter";
    m.escape = raw != m.letter;
    ++pos;
    bool any_digit = false;
    while (pos < text.size() && is_digit(text[pos])) {
        any_digit = true;
        // Values past 128 parts select everything a DNS name can hold.
        if (m.digits <= 128) m.digits = m.digits * 10 + static_cast<unsigned>(text[pos] - '0');
        ++pos;
    }
    if (any_digit && m.digits == 0) return "macro transformer 0";  // §7.3: MUST be nonzero
    if (pos < text.size() && lower(text[pos]) == 'r') {
        m.reverse = true;
        ++pos;
    }
    while (pos < text.size() && text[pos] != '}') {
        std::size_t k = kDelims.find(text[pos]);
        if (k == std::string_view::npos) return "invalid macro delimiter";
        m.delims = static_cast<std::uint8_t>(m.delims | (1u << k));
        ++pos;
    }
    if (pos >= text.size()) return "unterminated macro";
    end = pos + 1;
    return {};
}

// Walks `text`: calls on_literal(text, is_escape, end) for each literal run
// and for the expansion of "%%", "%_", "%-" (is_escape), on_macro(macro, end)
// for each "%{...}"; `end` is the offset past the item. Returns the first
// syntax error.
template <typename OnLiteral, typename OnMacro>
std::string_view scan(std::string_view text, MacroMode mode, OnLiteral&& on_literal, OnMacro&& on_macro) {
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t run = i;
        while (i < text.size() && text[i] != '%') {
            if (!literal_ok(text[i], mode)) return "invalid character";
            ++i;
        }
        if (i > run) on_literal(text.substr(run, i - run), false, i);
        if (i >= text.size()) break;
        if (i + 1 >= text.size()) return "'%' at the end";
        char next = text[i + 1];
        if (next == '%' || next == '_' || next == '-') {
            on_literal(next == '%' ? std::string_view("%") : next == '_' ? std::string_view(" ")
                                                                       : std::string_view("%20"),
                       true, i + 2);
            i += 2;
            continue;
        }
        if (next != '{') return "'%' not followed by '{', '%', '_' or '-'";
        Macro m;
        std::size_t end = 0;
        if (auto err = parse_macro(text, i + 2, mode, m, end); !err.empty()) return err;
        on_macro(m, end);
        i = end;
    }
    return {};
}

std::string_view value_of(const Macro& m, const MacroValues& v) {
    switch (m.letter) {
        case 's': return v.s;
        case 'l': return v.l;
        case 'o': return v.o;
        case 'd': return v.d;
        case 'i': return v.i;
        case 'c': return v.c;
        case 'v': return v.v;
        case 'h': return v.h;
        case 'r': return v.r;
        case 't': return v.t;
        case 'p': return v.p ? v.p->validated_name(v.d) : std::string_view("unknown");
        default: return {};
    }
}

bool is_delim(const Macro& m, char c) noexcept {
    if (m.delims == 0) return c == '.';
    std::size_t k = kDelims.find(c);
    return k != std::string_view::npos && (m.delims & (1u << k));
}

bool unreserved(char c) noexcept { return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~'; }

void put(std::string_view piece, bool escape, std::string& out) {
    if (!escape) {
        out.append(piece);
        return;
    }
    static constexpr char hex[] = "0123456789ABCDEF";
    for (char c : piece) {
        if (unreserved(c)) {
            out.push_back(c);
        } else {
            auto u = static_cast<unsigned char>(c);
            out.push_back('%');
            out.push_back(hex[u >> 4]);
            out.push_back(hex[u & 0xf]);
        }
    }
}

// §7.3: split on the delimiters, reverse if asked, keep the rightmost
// `digits` parts, join with ".". Parts are found in place, no vector.
void expand_one(const Macro& m, std::string_view value, std::string& out) {
    if (m.digits == 0 && !m.reverse && (m.delims == 0 || m.delims == 1)) {
        put(value, m.escape, out);
        return;
    }
    std::size_t parts = 1;
    for (char c : value)
        if (is_delim(m, c)) ++parts;
    std::size_t keep = m.digits == 0 || m.digits > parts ? parts : m.digits;
    bool first = true;
    auto emit = [&](std::string_view part) {
        if (!first) out.push_back('.');
        first = false;
        put(part, m.escape, out);
    };
    if (!m.reverse) {
        // Forward order, parts [parts - keep, parts).
        std::size_t index = 0, start = 0;
        for (std::size_t i = 0; i <= value.size(); ++i) {
            if (i == value.size() || is_delim(m, value[i])) {
                if (index >= parts - keep) emit(value.substr(start, i - start));
                ++index;
                start = i + 1;
            }
        }
        return;
    }
    // Reversed: the rightmost `keep` of the reversed list are the original
    // parts keep-1 .. 0, in that order; walk to part keep-1 then backwards.
    std::size_t index = 0, start = 0, stop = value.size();
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (is_delim(m, value[i])) {
            if (index + 1 == keep) {
                stop = i;
                break;
            }
            ++index;
            start = i + 1;
        }
    }
    // value[start, stop) is part keep-1; emit it and every part before it.
    while (true) {
        emit(value.substr(start, stop - start));
        if (start == 0) break;
        stop = start - 1;
        std::size_t s = stop;
        while (s > 0 && !is_delim(m, value[s - 1])) --s;
        start = s;
    }
}

bool is_toplabel(std::string_view l) noexcept {
    // toplabel = ( *alphanum ALPHA *alphanum ) /
    //            ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
    if (l.empty() || !is_alnum(l.front()) || !is_alnum(l.back())) return false;
    bool alpha = false, dash = false;
    for (char c : l) {
        if (c == '-') dash = true;
        else if (is_alpha(c)) alpha = true;
        else if (!is_digit(c)) return false;
    }
    return alpha || dash;
}

}  // namespace

std::string_view macro_syntax_error(std::string_view text, MacroMode mode) noexcept {
    return scan(text, mode, [](std::string_view, bool, std::size_t) {}, [](const Macro&, std::size_t) {});
}

std::string_view domain_spec_error(std::string_view spec) noexcept {
    if (spec.empty()) return "empty domain-spec";
    // Where the literal tail after the last macro-expand begins; "%%", "%_"
    // and "%-" are macro-expands too (§7.1).
    std::size_t tail = 0;
    auto err = scan(
        spec, MacroMode::domain,
        [&](std::string_view, bool is_escape, std::size_t end) {
            if (is_escape) tail = end;
        },
        [&](const Macro&, std::size_t end) { tail = end; });
    if (!err.empty()) return err;
    if (tail == spec.size()) return {};  // domain-end = macro-expand
    std::string_view rest = spec.substr(tail);
    if (rest.back() == '.') rest.remove_suffix(1);
    std::size_t dot = rest.rfind('.');
    if (dot == std::string_view::npos) return "domain-spec does not end in a dot and a top label";
    if (!is_toplabel(rest.substr(dot + 1))) return "invalid top label in domain-spec";
    return {};
}

bool expand_macros(std::string_view text, MacroMode mode, const MacroValues& values, std::string& out) {
    auto err = scan(
        text, mode, [&](std::string_view lit, bool, std::size_t) { out.append(lit); },
        [&](const Macro& m, std::size_t) { expand_one(m, value_of(m, values), out); });
    return err.empty();
}

}  // namespace sw::spf
