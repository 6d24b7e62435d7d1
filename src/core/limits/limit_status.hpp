// limits_status(): the operation behind `sendwarden limits status`: every
// limit that applies to a user, an org or a client, with the level of its
// bucket now and the time until it is full. Read-only.
#pragma once

#include <string>
#include <vector>

#include "core/limits/bucket_store.hpp"
#include "core/limits/limit_policy.hpp"

namespace sw::limits {

struct BucketStatus {
    const LimitRule* rule = nullptr;
    std::string member;
    std::string key;
    std::uint64_t tokens = 0;   // whole tokens available now
    Micros time_to_full = 0;    // 0 when full
    bool stored = false;        // false: never used or pruned (full)
};

// The scopes of `who` that are set are reported, and the global limits:
// give a user with its org to see everything a user's mail is held to.
Result<std::vector<BucketStatus>> limits_status(const LimitPolicy& policy, const Subject& who, BucketStore& store,
                                                Micros now);

}  // namespace sw::limits
