// check_limits(): the rate-limit decision for one policy request (DESIGN
// "Identities and limits"). Recipients are charged at RCPT; messages and
// bytes are checked without charge at RCPT and charged at END-OF-MESSAGE.
// All matching buckets are charged in one store step, all or none.
// The strongest short bucket decides: reject > defer (these refuse and charge
// nothing) > hold > warn (these let the message through, held or logged, and
// everything else is charged). Dry-run limits only report.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/events/event.hpp"
#include "core/limits/bucket_store.hpp"
#include "core/limits/limit_policy.hpp"

namespace sw::limits {

enum class Stage { Rcpt, EndOfMessage };

struct LimitSettings {
    double approaching_fraction = 0.8;
    bool dry_run = false;  // every limit in dry-run
};

struct LimitHit {
    const LimitRule* rule = nullptr;
    std::string member;
    std::optional<Micros> retry_after;  // nullopt: never (cost above burst)
    bool dry_run = false;
};

struct LimitDecision {
    std::optional<LimitHit> deciding;     // the hit whose action is taken
    std::vector<LimitHit> hits;           // every short bucket, dry-run ones too
    std::vector<events::Event> events;    // coalesced approaching/hit events
    std::size_t buckets = 0;              // how many buckets were consulted
};

Result<LimitDecision> check_limits(const LimitPolicy& policy, const LimitSettings& settings, const Subject& who,
                                   Stage stage, std::uint64_t size, BucketStore& store, Micros now);

// "user alice@acme.example: 5 messages/1m reached, retry in 12s"
std::string default_reply_text(const LimitHit& hit);

}  // namespace sw::limits
