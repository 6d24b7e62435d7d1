// Tests of src/core/dnscheck/dmarc_check.cpp over in-memory zones: a good
// record, a missing one, an invalid one, the organisational domain's record
// (RFC 7489 §6.6.3), report addresses, and the next step.
#include <catch2/catch.hpp>

#include <string>

#include "core/dnscheck/dmarc_check.hpp"
#include "support/zone_resolver.hpp"

using namespace sw::dnscheck;
using sw::test::ZoneResolver;

namespace {

std::string all_findings(const DmarcCheck& r) {
    std::string all;
    for (const auto& f : r.findings) all += "\n  " + std::string(to_string(f.level)) + " " + f.message;
    return all;
}

Finding finding(const DmarcCheck& r, const std::string& part) {
    const Finding* found = nullptr;
    int n = 0;
    for (const auto& f : r.findings)
        if (f.message.find(part) != std::string::npos) {
            found = &f;
            ++n;
        }
    INFO("findings:" << all_findings(r));
    REQUIRE(n == 1);
    return *found;
}

Tally tally(const DmarcCheck& r) {
    Tally t;
    t.add(r.findings);
    return t;
}

}  // namespace

TEST_CASE("dmarc check: a good record") {
    ZoneResolver z;
    z.add_txt("_dmarc.acme.example", "v=DMARC1; p=none; rua=mailto:dmarc@acme.example");
    auto r = check_dmarc("acme.example", z);
    INFO("findings:" << all_findings(r));
    CHECK(tally(r).worst() == Level::ok);
    CHECK(r.found_at == "_dmarc.acme.example");
    CHECK_FALSE(r.from_org_domain);
    CHECK(r.policy == DmarcPolicy::none);
    REQUIRE(r.findings.size() == 2);
    CHECK(r.findings[0].message == "v=DMARC1; p=none; rua=mailto:dmarc@acme.example");
    CHECK(r.findings[1].message ==
          "policy none at pct=100, alignment adkim=r aspf=r, aggregate reports to mailto:dmarc@acme.example");
    CHECK(r.next_step ==
          "collect reports and run `sendwarden dmarc readiness --domain acme.example`, then p=quarantine");
}

TEST_CASE("dmarc check: missing, several, invalid") {
    SECTION("missing") {
        ZoneResolver z;
        z.add_txt("_dmarc.acme.example", "some other text");
        auto r = check_dmarc("acme.example", z);
        auto f = finding(r, "no DMARC record at _dmarc.acme.example:");
        CHECK(f.level == Level::error);
        CHECK_THAT(f.message, Catch::Contains("\"v=DMARC1; p=none; rua=mailto:dmarc-reports@acme.example\""));
        CHECK(r.found_at.empty());
        CHECK_FALSE(r.next_step.empty());
    }
    SECTION("missing at a subdomain and at the organisational domain") {
        ZoneResolver z;
        auto r = check_dmarc("mail.acme.example", z);
        CHECK(finding(r, "no DMARC record at _dmarc.mail.acme.example nor at _dmarc.acme.example").level == Level::error);
    }
    SECTION("several") {
        ZoneResolver z;
        z.add_txt("_dmarc.acme.example", "v=DMARC1; p=none");
        z.add_txt("_dmarc.acme.example", "v=DMARC1; p=reject");
        auto r = check_dmarc("acme.example", z);
        CHECK(finding(r, "2 DMARC records at _dmarc.acme.example: receivers ignore them all").level == Level::error);
    }
    SECTION("v=DMARC1 not first") {
        ZoneResolver z;
        z.add_txt("_dmarc.acme.example", "p=reject; v=DMARC1");
        auto r = check_dmarc("acme.example", z);
        CHECK(finding(r, "does not begin with v=DMARC1").level == Level::error);
        CHECK(finding(r, "no DMARC record").level == Level::error);
    }
    SECTION("invalid policy, with rua") {
        ZoneResolver z;
        z.add_txt("_dmarc.acme.example", "v=DMARC1; p=block; pct=200; rua=mailto:dmarc@acme.example");
        auto r = check_dmarc("acme.example", z);
        CHECK(finding(r, "\"v=DMARC1; p=block; pct=200; rua=mailto:dmarc@acme.example\": p=block is not").level ==
              Level::error);
        CHECK(finding(r, "pct=200 is not").level == Level::error);
        CHECK(tally(r).errors == 2);
        CHECK_FALSE(r.policy);
        CHECK(r.next_step ==
              "correct p= (none, quarantine or reject); until then receivers treat the record as p=none");
    }
    SECTION("DNS failure") {
        ZoneResolver z;
        z.add_timeout("_dmarc.acme.example");
        auto r = check_dmarc("acme.example", z);
        REQUIRE(r.findings.size() == 1);
        CHECK(r.findings[0].temporary);
    }
}

TEST_CASE("dmarc check: the organisational domain's record applies to a subdomain") {
    ZoneResolver z;
    z.add_txt("_dmarc.acme.example", "v=DMARC1; p=reject; sp=quarantine; rua=mailto:dmarc@acme.example");
    auto r = check_dmarc("news.mail.acme.example", z);
    INFO("findings:" << all_findings(r));
    CHECK(r.from_org_domain);
    CHECK(r.found_at == "_dmarc.acme.example");
    CHECK(r.policy == DmarcPolicy::quarantine);
    CHECK(finding(r, "no record at _dmarc.news.mail.acme.example; the record of the organisational domain acme.example "
                     "applies")
              .level == Level::ok);
    CHECK(finding(r, "policy quarantine at pct=100 (sp= of acme.example)").level == Level::ok);
    CHECK(finding(r, "sp=quarantine is weaker than p=reject").level == Level::warning);
    CHECK(r.next_step == "sp=reject when `sendwarden dmarc readiness --domain acme.example` says ready");

    SECTION("without sp=, p= applies") {
        ZoneResolver z2;
        z2.add_txt("_dmarc.acme.example", "v=DMARC1; p=reject; rua=mailto:dmarc@acme.example");
        auto r2 = check_dmarc("mail.acme.example", z2);
        CHECK(r2.policy == DmarcPolicy::reject);
        CHECK(r2.next_step == "none: p=reject at pct=100 is the strictest policy");
    }
    SECTION("the subdomain's own record wins") {
        z.add_txt("_dmarc.news.mail.acme.example", "v=DMARC1; p=none; rua=mailto:dmarc@acme.example");
        auto r3 = check_dmarc("news.mail.acme.example", z);
        CHECK_FALSE(r3.from_org_domain);
        CHECK(r3.policy == DmarcPolicy::none);
    }
}

TEST_CASE("dmarc check: reports") {
    SECTION("no rua") {
        ZoneResolver z;
        z.add_txt("_dmarc.acme.example", "v=DMARC1; p=quarantine");
        auto r = check_dmarc("acme.example", z);
        auto f = finding(r, "no rua=");
        CHECK(f.level == Level::warning);
        CHECK_THAT(f.message, Catch::Contains("add rua=mailto:dmarc-reports@acme.example"));
        CHECK(tally(r).errors == 0);
    }
    SECTION("an outside address must be authorised by its domain (RFC 7489 §7.1)") {
        ZoneResolver z;
        z.add_txt("_dmarc.acme.example",
                  "v=DMARC1; p=none; rua=mailto:a@reports.vendor.example,mailto:dmarc@acme.example; "
                  "ruf=mailto:f@other.example");
        z.add_txt("acme.example._report._dmarc.reports.vendor.example", "v=DMARC1");
        auto r = check_dmarc("acme.example", z);
        CHECK(finding(r, "reports.vendor.example accepts reports for acme.example").level == Level::ok);
        auto f = finding(r, "reports to other.example are not sent");
        CHECK(f.level == Level::warning);
        CHECK_THAT(f.message, Catch::Contains("acme.example._report._dmarc.other.example"));
    }
}

TEST_CASE("dmarc check: the next step follows the policy") {
    struct Case {
        const char* record;
        const char* next;
    };
    const Case cases[] = {
        {"v=DMARC1; p=none",
         "add rua= to get reports, then collect reports and run `sendwarden dmarc readiness --domain acme.example`, "
         "then p=quarantine"},
        {"v=DMARC1; p=quarantine; pct=25; rua=mailto:d@acme.example",
         "raise pct (now 25) step by step to 100 while `sendwarden dmarc readiness --domain acme.example` stays ready"},
        {"v=DMARC1; p=quarantine; rua=mailto:d@acme.example",
         "p=reject when `sendwarden dmarc readiness --domain acme.example` says ready"},
        {"v=DMARC1; p=reject; pct=50; rua=mailto:d@acme.example",
         "raise pct (now 50) to 100: failing mail beyond it is only quarantined"},
        {"v=DMARC1; p=reject; rua=mailto:d@acme.example", "none: p=reject at pct=100 is the strictest policy"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.record) {
            ZoneResolver z;
            z.add_txt("_dmarc.acme.example", c.record);
            CHECK(check_dmarc("acme.example", z).next_step == c.next);
        }
    }
}
