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

// Only the scopes of `who` that are set are reported: pass a Subject with
// just a user (its org is not filled in for you), just an org, or just a client.
Result<std::vector<BucketStatus>> limits_status(const LimitPolicy& policy, const Subject& who, BucketStore& store,
                                                Micros now);

}  // namespace sw::limits
