// Tests of src/core/suppress/suppression_store.cpp over a real LMDB data
// environment in a temporary directory.
#include <catch2/catch.hpp>

#include "core/suppress/suppression_store.hpp"
#include "support/temp_dir.hpp"

using namespace sw;
using namespace sw::suppress;

namespace {

Address addr(std::string_view text) {
    auto a = normalize_address(text);
    REQUIRE(a.ok());
    return *a;
}

Suppression entry(std::string org, std::string address, Reason r, std::int64_t expires = 0) {
    Suppression s;
    s.org = std::move(org);
    s.address = std::move(address);
    s.reason = r;
    s.created = 1795500000;
    s.expires = expires;
    s.source = "test";
    return s;
}

}  // namespace

TEST_CASE("suppressions: org scope, global scope, address and domain") {
    test::TempDir dir;
    auto db = store::DataDb::open(dir.path(), 16 << 20);
    SuppressionStore store(*db);
    REQUIRE(store.put(entry("acme", "bob@example.org", Reason::HardBounce)).ok());
    REQUIRE(store.put(entry("", "@spamtrap.example", Reason::Manual)).ok());
    REQUIRE(store.put(entry("beta", "carol@example.org", Reason::Complaint)).ok());

    auto hit = store.match("acme", addr("Bob@Example.org"), 1795500001);
    REQUIRE(hit);
    CHECK(hit->reason == Reason::HardBounce);
    CHECK(hit->org == "acme");
    CHECK_FALSE(store.match("beta", addr("bob@example.org"), 1795500001));  // another org's entry
    CHECK(store.match("beta", addr("carol@example.org"), 1795500001)->reason == Reason::Complaint);
    // a global @domain entry suppresses every address of it, for every org
    auto trap = store.match("acme", addr("anyone@SpamTrap.example"), 1795500001);
    REQUIRE(trap);
    CHECK(trap->address == "@spamtrap.example");
    CHECK(trap->org.empty());
    CHECK(store.match("", addr("x@spamtrap.example"), 1795500001));
}

TEST_CASE("suppressions: the org's entry wins over a global one; expiry") {
    test::TempDir dir;
    auto db = store::DataDb::open(dir.path(), 16 << 20);
    SuppressionStore store(*db);
    REQUIRE(store.put(entry("", "dave@example.org", Reason::Manual)).ok());
    REQUIRE(store.put(entry("acme", "dave@example.org", Reason::SoftBounce, 1795503600)).ok());
    CHECK(store.match("acme", addr("dave@example.org"), 1795500000)->reason == Reason::SoftBounce);
    // once the org's soft-bounce entry expires, the global one still holds
    CHECK(store.match("acme", addr("dave@example.org"), 1795503600)->reason == Reason::Manual);
    REQUIRE(store.remove("", "dave@example.org").ok());
    CHECK_FALSE(store.match("acme", addr("dave@example.org"), 1795503600));
    auto again = store.remove("", "dave@example.org");
    REQUIRE(again.ok());
    CHECK_FALSE(*again);
}

TEST_CASE("suppressions: list by scope, and they survive reopening") {
    test::TempDir dir;
    {
        auto db = store::DataDb::open(dir.path(), 16 << 20);
        SuppressionStore store(*db);
        REQUIRE(store.put(entry("acme", "a@example.org", Reason::Manual)).ok());
        REQUIRE(store.put(entry("acme", "b@example.org", Reason::Unsubscribe)).ok());
        REQUIRE(store.put(entry("acmecorp", "c@example.org", Reason::Manual)).ok());  // a longer org name
        REQUIRE(store.put(entry("", "d@example.org", Reason::Manual)).ok());
    }
    auto db = store::DataDb::open(dir.path(), 16 << 20);
    SuppressionStore store(*db);
    auto acme = store.list(std::string("acme"));
    REQUIRE(acme.size() == 2);
    CHECK(acme[0].address == "a@example.org");
    CHECK(acme[1].reason == Reason::Unsubscribe);
    CHECK(store.list(std::string("")).size() == 1);
    CHECK(store.list(std::nullopt).size() == 4);
}

TEST_CASE("suppressions: reason names") {
    for (auto r : {Reason::HardBounce, Reason::SoftBounce, Reason::Complaint, Reason::Manual, Reason::Unsubscribe})
        CHECK(parse_reason(to_string(r)) == r);
    CHECK_FALSE(parse_reason("bounced"));
}
