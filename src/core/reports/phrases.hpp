// Phrase lists: the classifiers match lower-cased report text against fixed
// tables of the wordings MTAs use ("user unknown", "out of office", ...).
#pragma once

#include <array>
#include <string_view>

namespace sw::reports {

// True when `text` contains any of `phrases`.
template <std::size_t N>
bool contains_any(std::string_view text, const std::array<std::string_view, N>& phrases) {
    for (auto p : phrases)
        if (text.find(p) != std::string_view::npos) return true;
    return false;
}

}  // namespace sw::reports
