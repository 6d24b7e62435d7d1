// limits_status(); see limit_status.hpp.
#include "core/limits/limit_status.hpp"

namespace sw::limits {

Result<std::vector<BucketStatus>> limits_status(const LimitPolicy& policy, const Subject& who, BucketStore& store,
                                                Micros now) {
    std::vector<MatchedLimit> matched;
    policy.match(who, matched);
    std::vector<BucketStatus> out;
    for (const auto& m : matched) {
        BucketStatus s;
        s.rule = m.rule;
        s.member = std::string(m.member);
        s.key = bucket_key(*m.rule, m.member);
        auto view = store.peek(s.key, now);
        if (!view) return fail(view.error());
        BucketState state = *view && (*view)->spec.period == m.rule->bucket.period
                                ? (*view)->state
                                : full_bucket(m.rule->bucket, now);
        s.stored = view->has_value();
        // A burst lowered since the bucket was stored: cap it.
        state = refill(m.rule->bucket, state, now);
        if (tokens(m.rule->bucket, state) > m.rule->bucket.burst) state = full_bucket(m.rule->bucket, now);
        s.tokens = tokens(m.rule->bucket, state);
        s.time_to_full = time_to_full(m.rule->bucket, state);
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace sw::limits
