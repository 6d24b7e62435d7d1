// BucketStore: the narrow interface limit logic talks to (DESIGN "Built to
// grow"). LMDB implements it now (store/counters_db); a Redis/Valkey backend
// for fleets of MTAs will implement the same semantics:
//   take(ops, now): in ONE atomic step, refill every bucket named by `ops`;
//   if any op marked `blocking` lacks its cost, change no level; otherwise
//   charge every op marked `charge` (a bucket short of tokens is emptied,
//   never negative). Coalescing marks for events are updated in the same step.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/limits/token_bucket.hpp"
#include "core/util/result.hpp"

namespace sw::limits {

struct BucketOp {
    std::string key;  // bucket identity, backend-neutral (see bucket_key())
    BucketSpec spec;
    std::uint64_t cost = 1;
    bool charge = true;     // false: check only (RCPT pre-check)
    bool blocking = true;   // a shortfall here refuses the whole request
};

struct BucketOutcome {
    bool enough = true;         // the bucket held `cost` tokens
    BucketState state;          // after the take
    bool approaching_due = false; // crossed approach_fraction; first time this period
    bool hit_due = false;         // short of tokens; first time this period
};

struct TakeResult {
    bool passed = true;  // no blocking op was short
    std::vector<BucketOutcome> outcomes;  // one per op, same order
};

struct BucketView {
    BucketSpec spec;
    BucketState state;  // refilled to the time asked for
};

class BucketStore {
public:
    virtual ~BucketStore() = default;
    virtual Result<TakeResult> take(std::span<const BucketOp> ops, Micros now, double approach_fraction) = 0;
    // Current state of one bucket; nullopt if it is not stored (= full).
    virtual Result<std::optional<BucketView>> peek(const std::string& key, Micros now) = 0;
    // Examines up to `max` buckets, resuming where the last call stopped,
    // and removes those that are full again (absent == full); returns how
    // many were removed.
    virtual Result<std::size_t> prune(Micros now, std::size_t max) = 0;
};

// Coalescing marks (one approaching/hit event per bucket per period) are
// kept per bucket by the backend.
struct BucketMarks {
    Micros approaching = 0;
    Micros hit = 0;
};

// Applies the take semantics above to states already read; pure, shared by
// every backend. `states[i]` is nullopt for an absent (full) bucket; `marks`
// are updated in place.
TakeResult compute_take(std::span<const BucketOp> ops, std::span<const std::optional<BucketState>> states,
                        std::span<BucketMarks> marks, Micros now, double approach_fraction);

}  // namespace sw::limits
