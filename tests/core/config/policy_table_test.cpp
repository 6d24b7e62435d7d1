// Tests of src/core/config/policy_table.cpp: columns, quotes, comments.
#include <catch2/catch.hpp>

#include <sstream>

#include "core/config/policy_table.hpp"

using namespace sw;

static config::TableRead read(const std::string& text) {
    std::istringstream in(text);
    return config::read_table(in, "t");
}

TEST_CASE("columns, comments and quoted text") {
    auto r = read("# head\n\n a  b\tc # tail\nx \"4.7.1 slow down\" y\nq \"say \\\"hi\\\"\"\n");
    REQUIRE(r.errors.empty());
    REQUIRE(r.rows.size() == 3);
    CHECK(r.rows[0].line == 3);
    CHECK(r.rows[0].columns == std::vector<std::string>{"a", "b", "c"});
    CHECK(r.rows[1].columns == std::vector<std::string>{"x", "4.7.1 slow down", "y"});
    CHECK(r.rows[1].quoted[1]);
    CHECK(r.rows[2].columns[1] == "say \"hi\"");
}

TEST_CASE("malformed lines are reported with their number") {
    auto r = read("ok line\nbad \"unterminated\nx \"a\"b\n" + std::string("nul\0byte\n", 9));
    REQUIRE(r.errors.size() == 3);
    CHECK(r.errors[0] == "t:2: unterminated quoted text");
    CHECK(r.errors[1] == "t:3: quoted text must be followed by a space");
    CHECK(r.errors[2] == "t:4: NUL byte in line");
    CHECK(r.rows.size() == 1);
}
