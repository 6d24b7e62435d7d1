// Tests of src/core/dnscheck/dmarc_record.cpp: record selection, every tag
// of RFC 7489 §6.3, and each kind of problem.
#include <catch2/catch.hpp>

#include "core/dnscheck/dmarc_record.hpp"

using namespace sw::dnscheck;

TEST_CASE("dmarc record: selection by v=DMARC1 first") {
    for (const char* yes : {"v=DMARC1", "v=DMARC1;p=none", "v = DMARC1; p=none", "V=DMARC1 ;p=none"})
        DYNAMIC_SECTION("yes: " << yes) { CHECK(is_dmarc_record(yes)); }
    for (const char* no : {"", "v=dmarc1; p=none", "v=DMARC10", " v=DMARC1", "p=none; v=DMARC1", "v=spf1 -all"})
        DYNAMIC_SECTION("no: " << no) { CHECK_FALSE(is_dmarc_record(no)); }
}

TEST_CASE("dmarc record: every tag") {
    auto r = parse_dmarc_record(
        "v=DMARC1; p=Quarantine; sp=reject; np=reject; pct=50; "
        "rua=mailto:dmarc@acme.example,mailto:Reports@Vendor.example!10m; ruf=mailto:forensic@acme.example; "
        "adkim=s; aspf=R; fo=1:d; ri=3600; rf=afrf;");
    INFO((r.errors.empty() ? "" : r.errors.front()));
    CHECK(r.errors.empty());
    CHECK(r.warnings.empty());
    CHECK(r.p == DmarcPolicy::quarantine);
    CHECK(r.sp == DmarcPolicy::reject);
    CHECK(r.np == DmarcPolicy::reject);
    CHECK(r.pct == 50);
    CHECK(r.rua == std::vector<std::string>{"mailto:dmarc@acme.example", "mailto:Reports@Vendor.example!10m"});
    CHECK(r.ruf == std::vector<std::string>{"mailto:forensic@acme.example"});
    CHECK(r.adkim == 's');
    CHECK(r.aspf == 'r');
    CHECK(r.fo == "1:d");
    CHECK(r.ri == 3600);
}

TEST_CASE("dmarc record: defaults") {
    auto r = parse_dmarc_record("v=DMARC1; p=none");
    CHECK(r.errors.empty());
    CHECK(r.p == DmarcPolicy::none);
    CHECK_FALSE(r.sp);
    CHECK(r.pct == 100);
    CHECK(r.rua.empty());
    CHECK(r.adkim == 'r');
    CHECK(r.aspf == 'r');
    CHECK(r.ri == 86400);
}

TEST_CASE("dmarc record: errors") {
    struct Case {
        const char* label;
        const char* text;
        const char* want;  // the one error
    };
    const Case cases[] = {
        {"not first", "p=none; v=DMARC1", "does not begin with v=DMARC1, so receivers ignore it (RFC 7489 §6.6.3)"},
        {"no p", "v=DMARC1; rua=mailto:d@acme.example", "no p= tag: it is required (none, quarantine or reject)"},
        {"bad p", "v=DMARC1; p=block", "p=block is not none, quarantine or reject"},
        {"bad sp", "v=DMARC1; p=none; sp=all", "sp=all is not none, quarantine or reject"},
        {"pct too big", "v=DMARC1; p=none; pct=101", "pct=101 is not a whole number from 0 to 100"},
        {"pct not a number", "v=DMARC1; p=none; pct=half", "pct=half is not a whole number from 0 to 100"},
        {"rua without scheme", "v=DMARC1; p=none; rua=d@acme.example", "rua=d@acme.example: not a URI (write mailto:address)"},
        {"rua no address", "v=DMARC1; p=none; rua=mailto:dmarc", "rua=mailto:dmarc: not a mail address after mailto:"},
        {"rua bad size", "v=DMARC1; p=none; rua=mailto:d@acme.example!lots",
         "rua=mailto:d@acme.example!lots: the size limit after '!' is not a number"},
        {"ruf empty uri", "v=DMARC1; p=none; ruf=mailto:f@acme.example,", "ruf= has an empty URI"},
        {"bad adkim", "v=DMARC1; p=none; adkim=strict", "adkim=strict is not r (relaxed) or s (strict)"},
        {"bad fo", "v=DMARC1; p=none; fo=0:2", "fo=0:2: '2' is not 0, 1, d or s"},
        {"bad ri", "v=DMARC1; p=none; ri=-1", "ri=-1 is not a number of seconds"},
        {"twice", "v=DMARC1; p=none; p=reject", "tag p= appears more than once"},
        {"no tag", "v=DMARC1; p=none; reject", "'reject' is not a tag=value pair"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.label) {
            auto r = parse_dmarc_record(c.text);
            REQUIRE(r.errors.size() == 1);
            CHECK_THAT(r.errors[0], Catch::StartsWith(c.want));
        }
    }
}

TEST_CASE("dmarc record: warnings") {
    auto r = parse_dmarc_record("v=DMARC1; rua=https://reports.example/dmarc; p=none; x=1; rf=iodef");
    CHECK(r.errors.empty());
    REQUIRE(r.warnings.size() == 4);
    CHECK(r.warnings[0] == "rua=https://reports.example/dmarc: receivers send reports by mail, to mailto: URIs");
    CHECK_THAT(r.warnings[1], Catch::StartsWith("p= should come right after v=DMARC1"));
    CHECK(r.warnings[2] == "unknown tag x= is ignored by receivers (RFC 7489 §6.3)");
    CHECK(r.warnings[3] == "rf=iodef: only afrf is defined");
}

TEST_CASE("dmarc record: mailto addresses") {
    CHECK(mailto_address("mailto:Reports@Vendor.Example!10m") == "reports@vendor.example");
    CHECK(mailto_address("MAILTO:d@acme.example") == "d@acme.example");
    CHECK(mailto_address("mailto:d@acme.example?subject=x") == "d@acme.example");
    CHECK(mailto_address("https://x.example/") == "");
}
