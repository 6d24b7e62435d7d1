// Tests of src/core/reputation/org_state.cpp: transitions and their events
// in the same transaction, over a real LMDB data environment.
#include <catch2/catch.hpp>

#include "core/reputation/org_state.hpp"
#include "support/temp_dir.hpp"

using namespace sw;
using namespace sw::reputation;

TEST_CASE("org state: warn, pause, resume; one event per change") {
    test::TempDir dir;
    auto db = store::DataDb::open(dir.path(), 16 << 20);
    OrgStateStore states(*db);
    CHECK(states.get("acme").mode == OrgMode::Active);
    CHECK(states.get("").mode == OrgMode::Active);  // no org: no record, no empty LMDB key
    CHECK_FALSE(states.paused("acme"));

    auto r = states.warn("acme", "bounce rate 6%", "auto", 100);
    REQUIRE(r.ok());
    CHECK(*r);
    CHECK(*states.warn("acme", "bounce rate 7%", "auto", 101) == false);  // no second event
    REQUIRE(*states.pause("acme", "bounce rate 12%", "auto", 102, {{"sent", 250}}));
    CHECK(states.paused("acme"));
    CHECK(*states.warn("acme", "x", "auto", 103) == false);  // a warning never lowers a pause
    CHECK(states.get("acme").reason == "bounce rate 12%");

    REQUIRE(*states.resume("acme", "cli:root", 200));
    auto s = states.get("acme");
    CHECK(s.mode == OrgMode::Active);
    CHECK(s.resumed == 200);
    CHECK(*states.resume("acme", "cli:root", 201) == false);
    CHECK_FALSE(states.pause("", "x", "auto", 1).ok());

    auto events = db->events_after(0, 100);
    REQUIRE(events.size() == 3);
    CHECK(events[0].second.type == "org_warned");
    CHECK(events[1].second.type == "org_paused");
    CHECK(events[1].second.body["sent"] == 250);
    CHECK(events[1].second.body["from"] == "warned");
    CHECK(events[2].second.type == "org_resumed");
    CHECK(events[2].second.body["by"] == "cli:root");
    CHECK(states.list().size() == 1);
}
