// Tests of src/core/dnscheck/spf_check.cpp over in-memory zones: a good
// record, syntax errors, the lookup count through nested includes and
// redirects, include loops, the ending, and the outbound addresses.
#include <catch2/catch.hpp>

#include <string>

#include "core/dnscheck/spf_check.hpp"
#include "support/zone_resolver.hpp"

using namespace sw;
using namespace sw::dnscheck;
using sw::test::ZoneResolver;

namespace {

CidrList ips(const char* text) { return CidrList::parse(text).value(); }

// The one finding whose message contains `part` (FAILs if none or several).
Finding finding(const SpfCheck& r, const std::string& part) {
    const Finding* found = nullptr;
    int n = 0;
    for (const auto& f : r.findings)
        if (f.message.find(part) != std::string::npos) {
            found = &f;
            ++n;
        }
    std::string all;
    for (const auto& f : r.findings) all += "\n  " + std::string(to_string(f.level)) + " " + f.message;
    INFO("findings:" << all);
    REQUIRE(n == 1);
    return *found;
}

Tally tally(const SpfCheck& r) {
    Tally t;
    t.add(r.findings);
    return t;
}

}  // namespace

TEST_CASE("spf check: a good record through an include") {
    ZoneResolver z;
    z.add_txt("acme.example", "v=spf1 ip4:192.0.2.10 include:_spf.acme.example -all");
    z.add_txt("acme.example", "google-site-verification=abc");  // other TXT records are no SPF records
    z.add_txt("_spf.acme.example", "v=spf1 ip6:2001:db8::/32 a:mail.acme.example ~all");
    z.add_address("mail.acme.example", "192.0.2.20");
    auto r = check_spf("Acme.Example.", ips("192.0.2.10, 2001:db8::/64 192.0.2.20"), z);
    CHECK(r.lookups == 2);
    CHECK(r.lookups_complete);
    CHECK(r.ending == "-all");
    CHECK(tally(r).worst() == Level::ok);
    REQUIRE_FALSE(r.findings.empty());
    CHECK(r.findings[0].message == "v=spf1 ip4:192.0.2.10 include:_spf.acme.example -all (2 lookups)");
    CHECK(finding(r, "192.0.2.10 passes").message == "192.0.2.10 passes (ip4:192.0.2.10)");
    CHECK(finding(r, "2001:db8::/64").message == "2001:db8::/64 (tested at 2001:db8::) passes (include:_spf.acme.example)");
    CHECK(finding(r, "ends in -all").level == Level::ok);
}

TEST_CASE("spf check: problems with the record itself") {
    struct Case {
        const char* label;
        std::vector<const char*> txt;  // TXT records at acme.example
        const char* want;              // part of the one error
    };
    const Case cases[] = {
        {"no record", {"something else"}, "no SPF record: publish a TXT record at acme.example such as \"v=spf1 ip4:192.0.2.10 -all\""},
        {"two records", {"v=spf1 -all", "v=spf1 ip4:192.0.2.10 -all"}, "2 SPF records at acme.example"},
        {"syntax error", {"v=spf1 ip4:192.0.2.300 -all"}, "\"v=spf1 ip4:192.0.2.300 -all\": "},
        {"unknown mechanism", {"v=spf1 ipv4:192.0.2.10 -all"}, "receivers return permerror: correct the record"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.label) {
            ZoneResolver z;
            for (const char* t : c.txt) z.add_txt("acme.example", t);
            auto r = check_spf("acme.example", ips("192.0.2.10"), z);
            REQUIRE(r.findings.size() == 1);
            CHECK(r.findings[0].level == Level::error);
            CHECK_FALSE(r.findings[0].temporary);
            CHECK_THAT(r.findings[0].message, Catch::Contains(c.want));
        }
    }
    SECTION("no such domain") {
        ZoneResolver z;
        auto r = check_spf("acme.example", ips(""), z);
        REQUIRE(r.findings.size() == 1);
        CHECK_THAT(r.findings[0].message, Catch::Contains("does not exist in DNS"));
    }
    SECTION("a DNS failure is temporary") {
        ZoneResolver z;
        z.add_timeout("acme.example");
        auto r = check_spf("acme.example", ips(""), z);
        REQUIRE(r.findings.size() == 1);
        CHECK(r.findings[0].level == Level::error);
        CHECK(r.findings[0].temporary);
        CHECK(tally(r).temporary == 1);
    }
}

TEST_CASE("spf check: 11 lookups through nested includes is an error") {
    ZoneResolver z;
    z.add_txt("acme.example", "v=spf1 ip4:192.0.2.10 include:l1.example -all");             // 1
    z.add_txt("l1.example", "v=spf1 a mx exists:e.example include:l2.example ~all");         // 4
    z.add_txt("l2.example", "v=spf1 a mx a:x.example mx:y.example include:l3.example -all"); // 5
    z.add_txt("l3.example", "v=spf1 ptr -all ip4:198.51.100.1 a");  // 1: nothing after "all" counts
    auto r = check_spf("acme.example", ips("192.0.2.10"), z);
    CHECK(r.lookups == 11);
    CHECK(r.lookups_complete);
    auto f = finding(r, "more than the 10");
    CHECK(f.level == Level::error);
    CHECK_THAT(f.message, Catch::StartsWith("11 lookups through include and redirect"));
    CHECK_THAT(r.findings[0].message, Catch::EndsWith("(11 lookups)"));
    // the address is listed before any include: it still passes
    CHECK(finding(r, "192.0.2.10 passes").level == Level::ok);

    SECTION("10 is allowed") {
        ZoneResolver z10;
        z10.add_txt("acme.example", "v=spf1 include:l1.example -all");
        z10.add_txt("l1.example", "v=spf1 a mx exists:e.example include:l2.example ~all");
        z10.add_txt("l2.example", "v=spf1 a mx a:x.example mx:y.example -all");
        auto r10 = check_spf("acme.example", ips(""), z10);
        CHECK(r10.lookups == 9);
        CHECK(tally(r10).errors == 0);
    }
}

TEST_CASE("spf check: redirect counts and gives the ending") {
    ZoneResolver z;
    z.add_txt("acme.example", "v=spf1 mx redirect=_spf.acme.example");
    z.add_txt("_spf.acme.example", "v=spf1 ip4:192.0.2.0/24 ~all");
    z.add_mx("acme.example", 10, "mx.acme.example");
    auto r = check_spf("acme.example", ips("192.0.2.0/24"), z);
    CHECK(r.lookups == 2);
    CHECK(r.ending == "~all");
    CHECK(finding(r, "ends in ~all").message ==
          "ends in ~all (through redirect=_spf.acme.example): mail from hosts the record does not list soft-fails");
    CHECK(finding(r, "192.0.2.0/24 (tested at 192.0.2.0) passes").level == Level::ok);
    CHECK(tally(r).worst() == Level::ok);
}

TEST_CASE("spf check: include loops are named") {
    ZoneResolver z;
    z.add_txt("acme.example", "v=spf1 include:a.example -all");
    z.add_txt("a.example", "v=spf1 include:b.example ~all");
    z.add_txt("b.example", "v=spf1 include:a.example ~all");
    auto r = check_spf("acme.example", ips(""), z);
    auto f = finding(r, "loops");
    CHECK(f.level == Level::error);
    CHECK(f.message ==
          "include:a.example (in the record of b.example) loops: a.example -> b.example -> a.example; receivers return "
          "permerror (too many lookups): remove the term that points back");

    SECTION("a record that includes itself") {
        ZoneResolver self;
        self.add_txt("acme.example", "v=spf1 include:ACME.example. -all");
        auto rs = check_spf("acme.example", ips(""), self);
        CHECK(finding(rs, "loops").message.find("acme.example -> acme.example") != std::string::npos);
    }
}

TEST_CASE("spf check: include targets that cannot be read") {
    ZoneResolver z;
    z.add_txt("acme.example", "v=spf1 include:gone.example include:bad.example include:slow.example "
                              "include:%{d}.macro.example -all");
    z.add_txt("bad.example", "v=spf1 foo:bar -all");
    z.add_timeout("slow.example");
    auto r = check_spf("acme.example", ips(""), z);
    CHECK_FALSE(r.lookups_complete);
    CHECK(r.lookups == 4);
    CHECK_THAT(r.findings[0].message, Catch::EndsWith("(at least 4 lookups)"));
    CHECK(finding(r, "include:gone.example: no such domain").level == Level::error);
    CHECK(finding(r, "include:bad.example: ").level == Level::error);
    auto slow = finding(r, "include:slow.example: DNS lookup failed");
    CHECK(slow.level == Level::error);
    CHECK(slow.temporary);
    CHECK(finding(r, "uses macros").level == Level::warning);
}

TEST_CASE("spf check: the ending") {
    struct Case {
        const char* record;
        Level level;
        const char* want;
    };
    const Case cases[] = {
        {"v=spf1 ip4:192.0.2.10 -all", Level::ok, "ends in -all: "},
        {"v=spf1 ip4:192.0.2.10 ~all", Level::ok, "ends in ~all: "},
        {"v=spf1 ip4:192.0.2.10 ?all", Level::warning, "ends in ?all: "},
        {"v=spf1 ip4:192.0.2.10 +all", Level::error, "ends in +all: every host on the internet may send as acme.example"},
        {"v=spf1 ip4:192.0.2.10 all", Level::error, "ends in +all"},
        {"v=spf1 ip4:192.0.2.10", Level::warning, "no \"all\" term: "},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.record) {
            ZoneResolver z;
            z.add_txt("acme.example", c.record);
            auto r = check_spf("acme.example", ips("192.0.2.10"), z);
            CHECK(finding(r, c.want).level == c.level);
        }
    }
    SECTION("terms after all are never used") {
        ZoneResolver z;
        z.add_txt("acme.example", "v=spf1 -all ip4:192.0.2.10");
        auto r = check_spf("acme.example", ips("192.0.2.10"), z);
        CHECK(finding(r, "never evaluated").level == Level::warning);
        CHECK(finding(r, "192.0.2.10 is not authorised").level == Level::error);
    }
}

TEST_CASE("spf check: outbound addresses") {
    ZoneResolver z;
    z.add_txt("acme.example", "v=spf1 ip4:192.0.2.10 ip6:2001:db8:1::/48 -all");
    SECTION("one not authorised") {
        auto r = check_spf("acme.example", ips("192.0.2.10 192.0.2.99 2001:db8:2::/64"), z);
        CHECK(finding(r, "192.0.2.10 passes").level == Level::ok);
        auto f = finding(r, "192.0.2.99");
        CHECK(f.level == Level::error);
        CHECK(f.message == "192.0.2.99 is not authorised (fail, by -all): add ip4:192.0.2.99 to the record");
        CHECK(finding(r, "2001:db8:2::/64").message ==
              "2001:db8:2::/64 (tested at 2001:db8:2::) is not authorised (fail, by -all): add ip6:2001:db8:2::/64 "
              "to the record");
        CHECK(tally(r).errors == 2);
    }
    SECTION("none configured: skipped, and said how to enable") {
        auto r = check_spf("acme.example", ips(""), z);
        auto f = finding(r, "outbound addresses not checked");
        CHECK(f.level == Level::warning);
        CHECK_THAT(f.message, Catch::Contains("[global] outbound_ips"));
    }
}
