// A reader for one flat JSON object per line (the corpus' *.jsonl files):
// string, number, true/false/null values only; nested values are skipped.
// Test support, not a general JSON parser.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace sw::test {

// Keys to values as text (numbers and booleans as written, strings
// unescaped; \uXXXX as UTF-8). An unreadable line gives an empty map.
std::map<std::string, std::string> parse_flat_json(std::string_view line);

}  // namespace sw::test
