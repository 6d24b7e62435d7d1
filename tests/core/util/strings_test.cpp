// Tests of src/core/util/strings.cpp.
#include <catch2/catch.hpp>

#include "core/util/strings.hpp"

using namespace sw;

TEST_CASE("parse_duration accepts units and rejects junk") {
    CHECK(parse_duration("30s") == 30 * kMicrosPerSecond);
    CHECK(parse_duration("30") == 30 * kMicrosPerSecond);
    CHECK(parse_duration("1m") == 60 * kMicrosPerSecond);
    CHECK(parse_duration("h") == 3600 * kMicrosPerSecond);
    CHECK(parse_duration("2d") == 2 * 86400 * kMicrosPerSecond);
    for (const char* bad : {"", "0s", "1x", "-1m", "1.5h", "m1", "99999999999999999999s", "1 h"}) {
        DYNAMIC_SECTION("bad duration '" << bad << "'") { CHECK_FALSE(parse_duration(bad)); }
    }
}

TEST_CASE("parse_size and parse_uint are strict") {
    CHECK(parse_size("65536") == 65536u);
    CHECK(parse_size("64k") == 65536u);
    CHECK(parse_size("1G") == 1073741824u);
    CHECK_FALSE(parse_size("k"));
    CHECK_FALSE(parse_size("12q"));
    CHECK(parse_uint("0") == 0u);
    CHECK_FALSE(parse_uint("-1"));
    CHECK_FALSE(parse_uint("1 "));
    CHECK_FALSE(parse_uint("18446744073709551616"));
}

TEST_CASE("format_duration writes the shortest form") {
    CHECK(format_duration(10 * kMicrosPerSecond) == "10s");
    CHECK(format_duration(60 * kMicrosPerSecond) == "1m");
    CHECK(format_duration(90 * kMicrosPerSecond) == "90s");
    CHECK(format_duration(3600 * kMicrosPerSecond) == "1h");
    CHECK(format_duration(86400 * kMicrosPerSecond) == "1d");
}

TEST_CASE("printable replaces control bytes and caps length") {
    CHECK(printable(std::string("a\nb\0c\x7f", 6)) == "a?b?c?");
    CHECK(printable(std::string(5000, 'x')).size() == 2000);
}
