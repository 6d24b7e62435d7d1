// Tests of src/core/limits/token_bucket.cpp: exact integer arithmetic.
#include <catch2/catch.hpp>

#include "core/limits/token_bucket.hpp"

using namespace sw;
using namespace sw::limits;

namespace {
const Micros t0 = 1'700'000'000LL * kMicrosPerSecond;
}

TEST_CASE("a full bucket of burst 100 passes exactly 100") {
    BucketSpec spec{100, 3600 * kMicrosPerSecond, 100};
    auto s = full_bucket(spec, t0);
    int passed = 0;
    for (int i = 0; i < 300; ++i) {
        s = refill(spec, s, t0 + i);  // a microsecond apart: refill is far too slow to matter
        if (has_tokens(spec, s, 1)) {
            s = charge(spec, s, 1);
            ++passed;
        }
    }
    CHECK(passed == 100);
}

TEST_CASE("refill is continuous and capped at burst") {
    BucketSpec spec{5, 60 * kMicrosPerSecond, 5};  // 1 token per 12 s
    auto s = charge(spec, full_bucket(spec, t0), 5);
    CHECK(tokens(spec, s) == 0);
    CHECK(time_until(spec, s, 1) == 12 * kMicrosPerSecond);
    CHECK(time_to_full(spec, s) == 60 * kMicrosPerSecond);
    s = refill(spec, s, t0 + 12 * kMicrosPerSecond - 1);
    CHECK_FALSE(has_tokens(spec, s, 1));
    s = refill(spec, s, t0 + 12 * kMicrosPerSecond);
    CHECK(has_tokens(spec, s, 1));
    CHECK(tokens(spec, s) == 1);
    s = refill(spec, s, t0 + 3600 * kMicrosPerSecond);
    CHECK(tokens(spec, s) == 5);
    CHECK(time_to_full(spec, s) == 0);
}

TEST_CASE("fractional refill does not drift over many small steps") {
    BucketSpec spec{7, 1000 * kMicrosPerSecond, 7};
    auto s = charge(spec, full_bucket(spec, t0), 7);
    // 1000 steps of 1 s: exactly 7 tokens come back, no rounding loss.
    for (int i = 1; i <= 1000; ++i) s = refill(spec, s, t0 + i * kMicrosPerSecond);
    CHECK(tokens(spec, s) == 7);
    CHECK(time_to_full(spec, s) == 0);
}

TEST_CASE("a clock going backwards refills nothing") {
    BucketSpec spec{10, 10 * kMicrosPerSecond, 10};
    auto s = charge(spec, full_bucket(spec, t0), 10);
    auto back = refill(spec, s, t0 - 5 * kMicrosPerSecond);
    CHECK(back.level == s.level);
    CHECK(back.updated == t0);
}

TEST_CASE("cost above burst never fits; charging an empty bucket stays at zero") {
    BucketSpec spec{1000, 60 * kMicrosPerSecond, 1000};
    auto s = full_bucket(spec, t0);
    CHECK_FALSE(time_until(spec, s, 1001));
    CHECK_FALSE(has_tokens(spec, s, 1001));
    s = charge(spec, s, 5000);
    CHECK(s.level == 0);
    CHECK(used_fraction(spec, s) == Approx(1.0));
}

TEST_CASE("large byte buckets do not overflow") {
    BucketSpec spec{1ULL << 40, 7 * 86400 * kMicrosPerSecond, 1ULL << 40};
    auto s = charge(spec, full_bucket(spec, t0), 1ULL << 39);
    CHECK(tokens(spec, s) == (1ULL << 39));
    s = refill(spec, s, t0 + 7 * 86400 * kMicrosPerSecond);
    CHECK(tokens(spec, s) == (1ULL << 40));
}
