// String helpers; see strings.hpp.
#include "core/util/strings.hpp"

#include <charconv>
#include <limits>

namespace sw {

std::string_view trim(std::string_view s) {
    const char* ws = " \t\r\n\f\v";
    auto b = s.find_first_not_of(ws);
    if (b == std::string_view::npos) return {};
    auto e = s.find_last_not_of(ws);
    return s.substr(b, e - b + 1);
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

std::optional<std::uint64_t> parse_uint(std::string_view s) {
    if (s.empty()) return std::nullopt;
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

namespace {

// Splits "15m" into 15 and "m"; a missing number is 1.
std::optional<std::pair<std::uint64_t, std::string_view>> number_and_unit(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    std::uint64_t n = 1;
    if (i > 0) {
        auto v = parse_uint(s.substr(0, i));
        if (!v) return std::nullopt;
        n = *v;
    }
    return std::make_pair(n, s.substr(i));
}

bool mul_overflows(std::uint64_t a, std::uint64_t b) {
    return b != 0 && a > std::numeric_limits<std::uint64_t>::max() / b;
}

}  // namespace

std::optional<Micros> parse_duration(std::string_view s) {
    if (s.empty()) return std::nullopt;
    auto nu = number_and_unit(s);
    if (!nu) return std::nullopt;
    auto [n, unit] = *nu;
    std::uint64_t secs_per_unit;
    if (unit.empty() || unit == "s") secs_per_unit = 1;
    else if (unit == "m") secs_per_unit = 60;
    else if (unit == "h") secs_per_unit = 3600;
    else if (unit == "d") secs_per_unit = 86400;
    else if (unit == "w") secs_per_unit = 7 * 86400;
    else return std::nullopt;
    if (n == 0) return std::nullopt;
    constexpr std::uint64_t max_secs = 366ULL * 86400 * 100;  // a century is plenty
    if (mul_overflows(n, secs_per_unit) || n * secs_per_unit > max_secs) return std::nullopt;
    return static_cast<Micros>(n * secs_per_unit) * kMicrosPerSecond;
}

std::optional<std::uint64_t> parse_size(std::string_view s) {
    if (s.empty() || s[0] < '0' || s[0] > '9') return std::nullopt;
    auto nu = number_and_unit(s);
    if (!nu) return std::nullopt;
    auto [n, unit] = *nu;
    std::uint64_t mult;
    std::string u = to_lower(unit);
    if (u.empty() || u == "b") mult = 1;
    else if (u == "k" || u == "kb") mult = 1024;
    else if (u == "m" || u == "mb") mult = 1024ULL * 1024;
    else if (u == "g" || u == "gb") mult = 1024ULL * 1024 * 1024;
    else return std::nullopt;
    if (mul_overflows(n, mult)) return std::nullopt;
    return n * mult;
}

std::string format_duration(Micros d) {
    Micros secs = d / kMicrosPerSecond;
    if (secs > 0 && d % kMicrosPerSecond == 0) {
        if (secs % 86400 == 0) return std::to_string(secs / 86400) + "d";
        if (secs % 3600 == 0) return std::to_string(secs / 3600) + "h";
        if (secs % 60 == 0) return std::to_string(secs / 60) + "m";
        return std::to_string(secs) + "s";
    }
    return std::to_string(d) + "us";
}

std::string printable(std::string_view s, std::size_t max_len) {
    std::string out;
    out.reserve(std::min(s.size(), max_len));
    for (char c : s) {
        if (out.size() >= max_len) break;
        auto u = static_cast<unsigned char>(c);
        out.push_back(u < 0x20 || u >= 0x7f ? '?' : c);
    }
    return out;
}

}  // namespace sw
