// Tests of src/core/dkim/signing_table.cpp: parsing, errors with file:line,
// key loading and the domain lookup (exact, then *.parent).
#include <catch2/catch.hpp>

#include <sstream>

#include "core/dkim/signing_table.hpp"
#include "core/dkim/dkim_test_keys.hpp"

using namespace sw;
using sw::dkim::Algorithm;
using sw::dkim::SigningTable;

namespace {

SigningTable parse(const std::string& text, std::vector<std::string>& errors, const std::string& base = "/keys") {
    std::istringstream in(text);
    return SigningTable::parse(in, "signing", base, errors);
}

}  // namespace

TEST_CASE("signing table: good lines") {
    std::vector<std::string> errors;
    auto t = parse("# domain selector algorithm keyfile\n"
                   "acme.example  s2026r rsa-sha256     /keys/acme/s2026r.private\n"
                   "acme.example  s2026e ed25519-sha256 acme/s2026e.private\n"
                   "acme.example  s2027r rsa-sha256     /keys/acme/s2027r.private standby\n"
                   "*.acme.example s2026r rsa-sha256    /keys/acme/s2026r.private\n",
                   errors);
    REQUIRE(errors.empty());
    REQUIRE(t.entries().size() == 4);
    CHECK(t.entries()[1].keyfile == "/keys/acme/s2026e.private");
    CHECK(t.entries()[1].algorithm == Algorithm::Ed25519Sha256);
    CHECK_FALSE(t.entries()[2].active);
    CHECK(t.entries()[3].signing_domain == "acme.example");
}

TEST_CASE("signing table: every bad line is reported with its line") {
    struct Case {
        const char* label;
        const char* text;
        const char* want;
    };
    const Case cases[] = {
        {"too few columns", "acme.example s1 rsa-sha256\n", "signing:1: expected 'domain selector algorithm keyfile"},
        {"bad algorithm", "acme.example s1 rsa-sha1 /k\n", "signing:1: unknown algorithm 'rsa-sha1'"},
        {"bad domain", "acme_example.. s1 rsa-sha256 /k\n", "signing:1: bad domain"},
        {"bad selector", "acme.example s/1 rsa-sha256 /k\n", "signing:1: bad selector 's/1'"},
        {"bad option", "acme.example s1 rsa-sha256 /k sometimes\n", "signing:1: unknown option 'sometimes'"},
        {"selector twice", "acme.example s1 rsa-sha256 /k\nacme.example s1 ed25519-sha256 /k2\n",
         "signing:2: selector 's1' of acme.example is listed again (first on line 1)"},
        {"two active of one algorithm", "acme.example s1 rsa-sha256 /k\nacme.example s2 rsa-sha256 /k2\n",
         "signing:2: a second active rsa-sha256 key for acme.example (line 1 is active; mark one of them 'standby')"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.label) {
            std::vector<std::string> errors;
            parse(c.text, errors);
            REQUIRE(errors.size() == 1);
            CHECK_THAT(errors[0], Catch::StartsWith(c.want));
        }
    }
}

TEST_CASE("signing table: choose exact first, then the nearest *.parent") {
    std::vector<std::string> errors;
    auto t = parse("acme.example r1 rsa-sha256 /k/r1\n"
                   "acme.example e1 ed25519-sha256 /k/e1\n"
                   "*.acme.example w1 rsa-sha256 /k/w1\n"
                   "*.deep.acme.example w2 rsa-sha256 /k/w2\n"
                   "old.example o1 rsa-sha256 /k/o1 standby\n",
                   errors);
    REQUIRE(errors.empty());
    auto exact = t.choose("ACME.example");
    REQUIRE(exact.keys.size() == 2);
    CHECK(exact.keys[0]->selector == "r1");
    CHECK(exact.keys[1]->selector == "e1");
    auto sub = t.choose("mail.acme.example");
    REQUIRE(sub.keys.size() == 1);
    CHECK(sub.keys[0]->selector == "w1");
    CHECK(sub.keys[0]->signing_domain == "acme.example");
    auto deeper = t.choose("x.deep.acme.example");
    REQUIRE(deeper.keys.size() == 1);
    CHECK(deeper.keys[0]->selector == "w2");
    auto none = t.choose("other.example");
    CHECK(none.keys.empty());
    CHECK(none.matched == nullptr);
    auto standby = t.choose("old.example");
    CHECK(standby.keys.empty());
    REQUIRE(standby.matched != nullptr);
    CHECK(*standby.matched == "old.example");
}

TEST_CASE("signing table: keys are loaded and checked") {
    test::TempDir dir;
    ::chmod(dir.path().c_str(), 0700);
    auto rsa = test::write_key(dir, "r.private", Algorithm::RsaSha256, 0600);
    auto ed = test::write_key(dir, "e.private", Algorithm::Ed25519Sha256, 0640);
    auto open = test::write_key(dir, "open.private", Algorithm::RsaSha256, 0644);

    SECTION("good keys load") {
        std::vector<std::string> errors;
        auto t = parse("acme.example r rsa-sha256 r.private\nacme.example e ed25519-sha256 e.private\n", errors,
                       dir.path());
        t.load_keys(errors);
        REQUIRE(errors.empty());
        CHECK(t.entries()[0].key);
        CHECK(t.entries()[1].key);
    }
    SECTION("a world-readable key is refused with the fix") {
        std::vector<std::string> errors;
        auto t = parse("acme.example r rsa-sha256 open.private\n", errors, dir.path());
        t.load_keys(errors);
        REQUIRE(errors.size() == 1);
        CHECK_THAT(errors[0], Catch::StartsWith("signing:1: " + open + ": world-readable (mode 0644); fix: chmod 0600"));
    }
    SECTION("the algorithm must be the key's") {
        std::vector<std::string> errors;
        auto t = parse("acme.example e ed25519-sha256 r.private\n", errors, dir.path());
        t.load_keys(errors);
        REQUIRE(errors.size() == 1);
        CHECK_THAT(errors[0], Catch::Contains("is an rsa key, but the line says ed25519-sha256"));
    }
    SECTION("a missing key") {
        std::vector<std::string> errors;
        auto t = parse("acme.example m rsa-sha256 missing.private\n", errors, dir.path());
        t.load_keys(errors);
        REQUIRE(errors.size() == 1);
        CHECK_THAT(errors[0], Catch::Contains("missing.private: cannot open: No such file or directory"));
    }
}
