// Tests of src/core/orgs/org_settings.cpp.
#include <catch2/catch.hpp>

#include <sstream>

#include "core/orgs/org_settings.hpp"

using namespace sw::orgs;

TEST_CASE("org_settings: contacts and threshold overrides") {
    std::istringstream in(
        "# org setting value\n"
        "acme contact ops@acme.example\n"
        "acme contact cto@acme.example\n"
        "acme bounce_pause 8%\n"
        "acme complaint_warn 0.002\n"
        "acme min_volume 500\n"
        "acme pause_action defer\n");
    std::vector<std::string> errors;
    auto s = OrgSettings::parse(in, "org_settings", errors);
    REQUIRE(errors.empty());
    const auto& o = s.of("acme");
    CHECK(o.contacts == std::vector<std::string>{"ops@acme.example", "cto@acme.example"});
    CHECK(*o.bounce_pause == Approx(0.08));
    CHECK(*o.complaint_warn == Approx(0.002));
    CHECK(*o.min_volume == 500);
    CHECK(*o.pause_action == "defer");
    CHECK_FALSE(o.bounce_warn);
    CHECK(s.of("other").contacts.empty());
}

TEST_CASE("org_settings: errors name the file and line") {
    std::istringstream in(
        "acme contact not-an-address\n"
        "acme bounce_pause 1.5\n"
        "acme pause_action drop\n"
        "acme colour blue\n"
        "acme min_volume 10\n"
        "acme min_volume 20\n"
        "bad/org contact a@b.example\n"
        "acme contact\n");
    std::vector<std::string> errors;
    (void)OrgSettings::parse(in, "/etc/sendwarden/org_settings", errors);
    REQUIRE(errors.size() == 7);
    CHECK(errors[0].rfind("/etc/sendwarden/org_settings:1: ", 0) == 0);
    CHECK(errors[1].rfind("/etc/sendwarden/org_settings:2: ", 0) == 0);
    CHECK(errors[3].find("unknown setting 'colour'") != std::string::npos);
    CHECK(errors[4].rfind("/etc/sendwarden/org_settings:6: ", 0) == 0);
    CHECK(errors[6].rfind("/etc/sendwarden/org_settings:8: ", 0) == 0);
}
