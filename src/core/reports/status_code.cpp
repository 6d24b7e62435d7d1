// find_enhanced_status, find_reply_code; see status_code.hpp.
#include "core/reports/status_code.hpp"

#include <cctype>

namespace sw::reports {
namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }
bool alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Length of a run of 1..3 digits at p, 0 when none or too long.
std::size_t digits13(std::string_view t, std::size_t p) {
    std::size_t n = 0;
    while (p + n < t.size() && digit(t[p + n])) ++n;
    return n >= 1 && n <= 3 ? n : 0;
}

// Length of an enhanced code at p, or 0.
std::size_t enhanced_at(std::string_view t, std::size_t p) {
    if (p + 5 > t.size() || (t[p] != '2' && t[p] != '4' && t[p] != '5') || t[p + 1] != '.') return 0;
    if (p > 0 && (alnum(t[p - 1]) || t[p - 1] == '.' || t[p - 1] == '-' || t[p - 1] == '_')) return 0;
    std::size_t q = p + 2;
    std::size_t n = digits13(t, q);
    if (!n) return 0;
    q += n;
    if (q >= t.size() || t[q] != '.') return 0;
    ++q;
    n = digits13(t, q);
    if (!n) return 0;
    q += n;
    // Not followed by more of a dotted number or a word ("5.1.1.2", "5.1.1a").
    if (q < t.size() && (alnum(t[q]) || (t[q] == '.' && q + 1 < t.size() && digit(t[q + 1])))) return 0;
    return q - p;
}

}  // namespace

bool is_enhanced_status(std::string_view s) { return !s.empty() && enhanced_at(s, 0) == s.size(); }

std::string find_enhanced_status(std::string_view text) {
    for (std::size_t p = 0; p + 5 <= text.size(); ++p) {
        if (std::size_t n = enhanced_at(text, p)) return std::string(text.substr(p, n));
    }
    return {};
}

std::string find_reply_code(std::string_view text) {
    for (std::size_t p = 0; p + 3 <= text.size(); ++p) {
        char c = text[p];
        if (c != '2' && c != '4' && c != '5') continue;
        if (!digit(text[p + 1]) || !digit(text[p + 2])) continue;
        if (text[p + 1] > '5') continue;  // RFC 5321 §4.2: second digit 0..5
        if (p > 0) {
            char b = text[p - 1];
            if (alnum(b) || b == '.' || b == ':' || b == '-' || b == '/' || b == '=' || b == '+') continue;
        }
        std::size_t q = p + 3;
        if (q == text.size()) return std::string(text.substr(p, 3));
        char a = text[q];
        if (a == ' ' || a == '-' || a == '\t' || a == '\n' || a == ')' || a == ',' || a == ';' ||
            (a == ':' && (q + 1 >= text.size() || !digit(text[q + 1])))) {
            // "550-" continuation must be followed by text or an enhanced
            // code ("550-5.7.1"), not a date or a number.
            if (a == '-' && q + 2 < text.size() && digit(text[q + 1]) && text[q + 2] != '.') continue;
            return std::string(text.substr(p, 3));
        }
    }
    return {};
}

}  // namespace sw::reports
