// Tests of src/core/dnscheck/dkim_check.cpp: real keys in a TempDir, the
// records in an in-memory zone. A matching record, a mismatched one, a
// missing one, another algorithm, and published keys whose private key we
// no longer have (a table line with its key file gone, a --selector, a
// stray key file in key_dir).
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdio>
#include <sstream>
#include <string>

#include "core/dkim/dkim_record.hpp"
#include "core/dkim/dkim_test_keys.hpp"
#include "core/dnscheck/dkim_check.hpp"
#include "core/util/secure_file.hpp"
#include "support/temp_dir.hpp"
#include "support/zone_resolver.hpp"

using namespace sw;
using namespace sw::dnscheck;
using sw::dkim::Algorithm;
using sw::test::TempDir;
using sw::test::ZoneResolver;

namespace {

// The TXT value publishing the key in `path`.
std::string record_of(const std::string& path) {
    auto pem = read_secret_file(path);
    REQUIRE(pem);
    auto info = dkim::inspect_private_key(*pem);
    REQUIRE(info);
    return dkim::key_record_value(*info);
}

struct World {
    TempDir dir;
    ZoneResolver zone;
    std::string rsa1, rsa2, ed1;
    dkim::SigningTable table;

    World() {
        rsa1 = test::write_key(dir, "rsa1.private", Algorithm::RsaSha256);
        rsa2 = test::write_key(dir, "rsa2.private", Algorithm::RsaSha256);
        ed1 = test::write_key(dir, "ed1.private", Algorithm::Ed25519Sha256);
    }
    void load(const std::string& text) {
        std::vector<std::string> errors;
        std::istringstream in(text);
        table = dkim::SigningTable::parse(in, "signing", dir.path(), errors);
        REQUIRE(errors.empty());
    }
    DkimCheck check(const std::string& domain, std::vector<std::string> extra = {}, std::string key_dir = "") {
        DkimSources s;
        s.table = &table;
        s.extra_selectors = std::move(extra);
        s.key_dir = std::move(key_dir);
        s.now = 0;
        return check_dkim(domain, s, zone);
    }
};

std::string all_findings(const DkimCheck& r) {
    std::string all;
    for (const auto& f : r.findings) all += "\n  " + std::string(to_string(f.level)) + " " + f.message;
    return all;
}

Finding finding(const DkimCheck& r, const std::string& part) {
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

}  // namespace

TEST_CASE("dkim check: published keys that match ours") {
    World w;
    w.load("acme.example s1 rsa-sha256 rsa1.private\n"
           "acme.example e1 ed25519-sha256 ed1.private\n"
           "*.acme.example s1 rsa-sha256 rsa1.private\n"  // signs as acme.example too: checked once
           "other.example o1 rsa-sha256 rsa2.private\n");
    w.zone.add_txt("s1._domainkey.acme.example", record_of(w.rsa1));
    w.zone.add_txt("e1._domainkey.acme.example", record_of(w.ed1));
    auto r = w.check("ACME.example");
    INFO("findings:" << all_findings(r));
    REQUIRE(r.findings.size() == 2);
    CHECK(r.findings[0].level == Level::ok);
    CHECK(r.findings[0].message ==
          "s1: active rsa-sha256 key (1024 bits) published at s1._domainkey.acme.example and matching our private key");
    CHECK(r.findings[1].message ==
          "e1: active ed25519-sha256 key published at e1._domainkey.acme.example and matching our private key");
    REQUIRE(r.selectors.size() == 2);
    CHECK(r.selectors[0].published == "match");
    CHECK(r.selectors[0].source == "table");
    CHECK(r.selectors[0].have_key);
    CHECK(r.selectors[0].expected_record == record_of(w.rsa1));
}

TEST_CASE("dkim check: records that do not match") {
    World w;
    w.load("acme.example s1 rsa-sha256 rsa1.private\n"
           "acme.example s2 rsa-sha256 rsa2.private standby\n"
           "acme.example e1 ed25519-sha256 ed1.private\n");
    SECTION("another key") {
        w.zone.add_txt("s1._domainkey.acme.example", record_of(w.rsa2));
        auto r = w.check("acme.example");
        auto f = finding(r, "s1: ");
        CHECK(f.level == Level::error);
        CHECK(f.message ==
              "s1: active rsa-sha256 key (1024 bits): the record at s1._domainkey.acme.example does not match (the "
              "published key is not the public half of our private key); verifiers fail every signature it makes: "
              "publish the record of " + w.rsa1 + " (expected_record in --json)");
        CHECK(r.selectors[0].published == "mismatch");
    }
    SECTION("another algorithm") {
        w.zone.add_txt("s1._domainkey.acme.example", record_of(w.ed1));
        auto r = w.check("acme.example");
        auto f = finding(r, "s1: ");
        CHECK(f.level == Level::error);
        CHECK_THAT(f.message, Catch::Contains("k=ed25519 but our key is rsa"));
    }
    SECTION("missing") {
        auto r = w.check("acme.example");
        auto s1 = finding(r, "s1: ");
        CHECK(s1.level == Level::error);
        CHECK_THAT(s1.message, Catch::StartsWith("s1: active rsa-sha256 key (1024 bits) not published at "
                                                 "s1._domainkey.acme.example: verifiers fail every signature"));
        // a standby key signs nothing yet: a warning
        auto s2 = finding(r, "s2: ");
        CHECK(s2.level == Level::warning);
        CHECK_THAT(s2.message, Catch::Contains("publish its record before `sendwarden keys activate`"));
        CHECK(r.selectors[1].published == "missing");
    }
    SECTION("revoked while still active") {
        w.zone.add_txt("s1._domainkey.acme.example", "v=DKIM1; k=rsa; p=");
        auto r = w.check("acme.example");
        CHECK_THAT(finding(r, "s1: ").message, Catch::Contains("p= empty: revoked"));
    }
    SECTION("DNS failure") {
        w.zone.add_timeout("s1._domainkey.acme.example");
        auto r = w.check("acme.example");
        auto f = finding(r, "s1: ");
        CHECK(f.level == Level::error);
        CHECK(f.temporary);
        CHECK(r.selectors[0].published == "unknown");
    }
}

TEST_CASE("dkim check: published keys whose private key we no longer have") {
    World w;
    SECTION("a table line whose key file is gone") {
        w.load("acme.example s1 rsa-sha256 rsa1.private\n");
        w.zone.add_txt("s1._domainkey.acme.example", record_of(w.rsa1));
        REQUIRE(std::remove(w.rsa1.c_str()) == 0);
        auto r = w.check("acme.example");
        auto f = finding(r, "s1: ");
        CHECK(f.level == Level::error);
        CHECK_THAT(f.message, Catch::StartsWith("s1: DNS publishes a key at s1._domainkey.acme.example but we no longer "
                                                "have its private key ("));
        CHECK_FALSE(r.selectors[0].have_key);
        CHECK(r.selectors[0].published == "key");
        SECTION("and nothing published: still an error, the milter cannot load the table") {
            ZoneResolver empty;
            DkimSources s;
            s.table = &w.table;
            auto r2 = check_dkim("acme.example", s, empty);
            CHECK_THAT(finding(r2, "s1: ").message, Catch::StartsWith("s1: the key file cannot be read ("));
        }
    }
    SECTION("--selector of a retired key still published") {
        w.load("acme.example s1 rsa-sha256 rsa1.private\n");
        w.zone.add_txt("s1._domainkey.acme.example", record_of(w.rsa1));
        w.zone.add_txt("old._domainkey.acme.example", record_of(w.rsa2));
        w.zone.add_txt("gone._domainkey.acme.example", "v=DKIM1; p=");
        auto r = w.check("acme.example", {"old", "gone", "never", "s1"});
        INFO("findings:" << all_findings(r));
        auto old = finding(r, "old: ");
        CHECK(old.level == Level::warning);
        CHECK(old.message ==
              "old: not in the signing table; old._domainkey.acme.example has a key whose private key we do not hold: "
              "remove the record, or restore the key if mail is still signed with it");
        CHECK(finding(r, "gone: ").level == Level::ok);
        CHECK(finding(r, "never: ").message == "never: not in the signing table; nothing published at "
                                              "never._domainkey.acme.example");
        CHECK(finding(r, "s1: ").level == Level::ok);  // listed: checked once, as a table key
        REQUIRE(r.selectors.size() == 4);
        CHECK(r.selectors[1].source == "option");
        CHECK(r.selectors[1].published == "key");
    }
    SECTION("key files in key_dir that the table does not list") {
        TempDir keys;
        ::mkdir(keys.file("acme.example").c_str(), 0700);
        test::write_key(keys, "acme.example/s1.private", Algorithm::RsaSha256);  // listed below: skipped
        std::string retired = test::write_key(keys, "acme.example/r1.private", Algorithm::RsaSha256);
        test::write_key(keys, "acme.example/fresh.private", Algorithm::Ed25519Sha256);
        w.load("acme.example s1 rsa-sha256 rsa1.private\n");
        w.zone.add_txt("s1._domainkey.acme.example", record_of(w.rsa1));
        w.zone.add_txt("r1._domainkey.acme.example", record_of(retired));
        auto r = w.check("acme.example", {}, keys.path());
        INFO("findings:" << all_findings(r));
        REQUIRE(r.findings.size() == 3);
        auto f = finding(r, "r1: ");
        CHECK(f.level == Level::warning);
        CHECK_THAT(f.message, Catch::Contains("is not in the signing table but its key is still published"));
        CHECK(finding(r, "fresh: ").level == Level::ok);
        CHECK(r.selectors[1].source == "key_dir");
        CHECK(r.selectors[2].selector == "r1");
        CHECK(r.selectors[2].published == "match");
    }
}

TEST_CASE("dkim check: a domain without selectors") {
    World w;
    w.load("acme.example s1 rsa-sha256 rsa1.private\n");
    auto r = w.check("other.example");
    REQUIRE(r.findings.size() == 1);
    CHECK(r.findings[0].level == Level::warning);
    CHECK_THAT(r.findings[0].message, Catch::StartsWith("no selector configured for other.example in the signing table"));
    SECTION("no signing table at all") {
        ZoneResolver z;
        auto r2 = check_dkim("acme.example", DkimSources{}, z);
        REQUIRE(r2.findings.size() == 1);
        CHECK(r2.findings[0].level == Level::warning);
    }
}
