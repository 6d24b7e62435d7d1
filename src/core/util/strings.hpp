// Small string helpers shared by the parsers: trimming, case folding,
// splitting, and number/duration/size parsing with strict syntax.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/clock.hpp"

namespace sw {

std::string_view trim(std::string_view s);
std::string to_lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b);

// Whole-string unsigned decimal; nullopt on any stray character or overflow.
std::optional<std::uint64_t> parse_uint(std::string_view s);

// Duration: a bare number of seconds or a number with unit s, m, h, d, w
// ("30s", "5m", "1h"). A missing number means 1 ("h" == "1h"). Must be > 0.
std::optional<Micros> parse_duration(std::string_view s);

// Size: a number with optional unit k, m, g (powers of 1024), case-insensitive
// ("65536", "64k", "1G").
std::optional<std::uint64_t> parse_size(std::string_view s);

// Shortest human form of a duration, as the operator would write it: "10s",
// "1m", "1h", "90s".
std::string format_duration(Micros d);

// Hash and equality that let an unordered_map<std::string, V> be searched
// with a std::string_view without building a std::string (C++20).
struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
using StringEq = std::equal_to<>;

// Replace bytes that do not belong in a log line (controls, DEL, 8-bit) with
// '?' and cap the length, as Postfix's printable() does.
std::string printable(std::string_view s, std::size_t max_len = 2000);

}  // namespace sw
