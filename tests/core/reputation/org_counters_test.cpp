// Tests of src/core/reputation/org_counters.cpp and thresholds.cpp.
#include <catch2/catch.hpp>

#include "core/reputation/org_counters.hpp"
#include "core/reputation/thresholds.hpp"
#include "core/store/counters_db.hpp"
#include "support/temp_dir.hpp"

using namespace sw;
using namespace sw::reputation;

TEST_CASE("org counters: hourly buckets summed over a sliding window") {
    test::TempDir dir;
    auto db = store::CountersDb::open(dir.path(), 16 << 20);
    OrgCounters c(db->env());
    const std::int64_t t0 = 1'795'500'000;
    Counts sent;
    sent.sent = 1;
    sent.rcpts = 2;
    for (int h = 0; h < 30; ++h) REQUIRE(c.add("acme", t0 + h * 3600, sent).ok());
    Counts hard;
    hard.hard = 1;
    REQUIRE(c.add("acme", t0 + 29 * 3600, hard).ok());
    REQUIRE(c.add("beta", t0 + 29 * 3600, sent).ok());

    auto w = c.window("acme", t0 + 29 * 3600, 24 * 3600);
    CHECK(w.sent == 25);  // the hours overlapping the last 24 h
    CHECK(w.rcpts == 50);
    CHECK(w.hard == 1);
    CHECK(c.window("nobody", t0 + 29 * 3600, 24 * 3600).sent == 0);
    auto all = c.window_all(t0 + 29 * 3600, 3600);
    CHECK(all.size() == 2);
    CHECK(all["beta"].sent == 1);

    // prune: hours before the cut go, in resumable steps
    std::size_t removed = 0;
    do {
        auto r = c.prune(t0 + 10 * 3600, 4);
        REQUIRE(r.ok());
        removed += *r;
    } while (!c.sweep_done());
    CHECK(removed == 10);
    CHECK(c.window("acme", t0 + 29 * 3600, 100 * 3600).sent == 20);
}

TEST_CASE("rates: judged from min_volume on, per recipient, the worse decides") {
    Thresholds t;  // 5%/10% bounce, 0.1%/0.5% complaint, min 100
    Counts c;
    c.sent = 99;
    c.rcpts = 99;
    c.hard = 50;
    auto a = assess(c, t);
    CHECK_FALSE(a.judged);
    CHECK(a.level == Level::Ok);

    c.sent = 100;
    c.rcpts = 200;
    c.hard = 10;  // 5%
    a = assess(c, t);
    CHECK(a.judged);
    CHECK(a.level == Level::Warn);
    CHECK(a.bounce_rate == Approx(0.05));
    CHECK(a.why.find("bounce rate 5.0%") != std::string::npos);

    c.hard = 19;  // 9.5%
    CHECK(assess(c, t).level == Level::Warn);
    c.hard = 20;  // 10%
    CHECK(assess(c, t).level == Level::Pause);

    c.hard = 0;
    c.complaints = 1;  // 0.5%
    a = assess(c, t);
    CHECK(a.level == Level::Pause);
    CHECK(a.why.find("complaint rate") != std::string::npos);
    c.complaints = 0;
    CHECK(assess(c, t).level == Level::Ok);
}
