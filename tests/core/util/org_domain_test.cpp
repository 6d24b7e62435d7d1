// org_domain: the Public Suffix List through libpsl.
#include <catch2/catch.hpp>

#include "core/util/org_domain.hpp"

using sw::org_domain;
using sw::same_org_domain;

TEST_CASE("organisational domain of a name", "[util][psl]") {
    CHECK(org_domain("mail.example.com") == "example.com");
    CHECK(org_domain("a.b.example.co.uk") == "example.co.uk");
    CHECK(org_domain("Mail-Out.Google.COM.") == "google.com");
    CHECK(org_domain("example.com") == "example.com");
    // A public suffix itself has no registrable domain: kept as given.
    CHECK(org_domain("co.uk") == "co.uk");
    CHECK(org_domain("") == "");
}

TEST_CASE("a name with a NUL byte is no domain: kept as given (fuzz-address)", "[util][psl]") {
    // libpsl read up to the NUL: the first had an organisational domain ending
    // in a dot, the second was example.com's.
    using namespace std::string_literals;
    const std::string cut = "1.2.\0003.4"s;
    CHECK(org_domain(cut) == cut);
    const std::string spoof = "a.example.com\0.evil.org"s;
    CHECK(org_domain(spoof) == spoof);
    CHECK_FALSE(same_org_domain(spoof, "example.com"));
}

TEST_CASE("relaxed alignment compares organisational domains", "[util][psl]") {
    CHECK(same_org_domain("news.example.com", "example.com"));
    CHECK(same_org_domain("a.example.co.uk", "b.example.co.uk"));
    CHECK_FALSE(same_org_domain("example.com", "example.net"));
    CHECK_FALSE(same_org_domain("a.co.uk", "b.co.uk"));
    CHECK_FALSE(same_org_domain("", ""));
}
