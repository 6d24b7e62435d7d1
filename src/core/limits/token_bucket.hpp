// Token-bucket arithmetic, pure (no I/O, no clock): every store backend
// (LMDB now, Redis later) shares it. A bucket refills continuously at
// `rate` tokens per `period` and holds at most `burst` tokens.
//
// Exactness: the level is kept as tokens x period-in-microseconds in a
// 128-bit integer, so refill (elapsed_us x rate) is exact integer arithmetic
// with no rounding drift: a bucket with burst 100 passes exactly 100.
// A bucket that is absent from the store is full.
#pragma once

#include <cstdint>
#include <optional>

#include "core/util/clock.hpp"

namespace sw::limits {

using Level = __int128;

struct BucketSpec {
    std::uint64_t rate = 0;  // tokens per period
    Micros period = 0;       // > 0
    std::uint64_t burst = 0; // capacity in tokens
};

struct BucketState {
    Level level = 0;    // tokens x period_us
    Micros updated = 0; // time of `level`
};

BucketState full_bucket(const BucketSpec& spec, Micros now);

// The state at `now`: refilled, capped at burst. A clock that went backwards
// refills nothing and keeps the later timestamp (dnsdist's guard).
BucketState refill(const BucketSpec& spec, BucketState state, Micros now);

bool has_tokens(const BucketSpec& spec, const BucketState& state, std::uint64_t cost);

// Takes `cost` tokens; a bucket without enough is emptied (never negative).
BucketState charge(const BucketSpec& spec, BucketState state, std::uint64_t cost);

// Time until `cost` tokens are there (0 if they are); nullopt if never
// (cost larger than the burst).
std::optional<Micros> time_until(const BucketSpec& spec, const BucketState& state, std::uint64_t cost);

// Time until the bucket is full again.
Micros time_to_full(const BucketSpec& spec, const BucketState& state);

// Whole tokens available now (rounded down).
std::uint64_t tokens(const BucketSpec& spec, const BucketState& state);

// Fraction of the burst in use, 0.0 (full bucket) .. 1.0 (empty).
double used_fraction(const BucketSpec& spec, const BucketState& state);

}  // namespace sw::limits
