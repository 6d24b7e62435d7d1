// Tests of src/core/orgs/org_map.cpp.
#include <catch2/catch.hpp>

#include <sstream>

#include "core/orgs/org_map.hpp"

using namespace sw;

static orgs::OrgMap parse(const std::string& text, std::vector<std::string>& errors) {
    std::istringstream in(text);
    return orgs::OrgMap::parse(in, "orgs", errors);
}

TEST_CASE("exact user, then @domain, then the default org") {
    std::vector<std::string> errors;
    auto m = parse("@acme.example acme\nboss@acme.example board\nsasl-name other\n@Other.Example other\n", errors);
    REQUIRE(errors.empty());
    const std::string none = "fallback";
    CHECK(m.org_of("alice@acme.example", none) == "acme");
    CHECK(m.org_of("boss@acme.example", none) == "board");
    CHECK(m.org_of("sasl-name", none) == "other");
    CHECK(m.org_of("x@other.example", none) == "other");
    CHECK(m.org_of("x@sub.acme.example", none) == "fallback");
    CHECK(m.org_of("nobody", none) == "fallback");
    CHECK(m.has_org("board"));
}

TEST_CASE("bad orgs lines") {
    std::vector<std::string> errors;
    parse("@a.example\n@b.example org one\n@c.example bad/name\n@d.example d\n@D.example d2\n\"\" empty\n", errors);
    REQUIRE(errors.size() == 5);
    CHECK(errors[4] == "orgs:6: bad member ''");
    CHECK(errors[0] == "orgs:1: expected 2 columns 'member org', got 1");
    CHECK(errors[1] == "orgs:2: expected 2 columns 'member org', got 3");
    CHECK_THAT(errors[2], Catch::StartsWith("orgs:3: bad org name 'bad/name'"));
    CHECK(errors[3] == "orgs:5: member '@d.example' is listed again (first on line 4)");
}
