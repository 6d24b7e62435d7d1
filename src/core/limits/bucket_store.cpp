// The backend-neutral part of take(); see bucket_store.hpp.
#include "core/limits/bucket_store.hpp"

namespace sw::limits {

TakeResult compute_take(std::span<const BucketOp> ops, std::span<const std::optional<BucketState>> states,
                        std::span<BucketMarks> marks, Micros now, double approach_fraction) {
    TakeResult r;
    r.outcomes.resize(ops.size());
    for (std::size_t i = 0; i < ops.size(); ++i) {
        const auto& op = ops[i];
        BucketState s = states[i] ? refill(op.spec, *states[i], now) : full_bucket(op.spec, now);
        r.outcomes[i].state = s;
        r.outcomes[i].enough = has_tokens(op.spec, s, op.cost);
        if (!r.outcomes[i].enough && op.blocking) r.passed = false;
    }
    for (std::size_t i = 0; i < ops.size(); ++i) {
        const auto& op = ops[i];
        auto& out = r.outcomes[i];
        if (r.passed && op.charge) out.state = charge(op.spec, out.state, op.cost);
        if (!out.enough && now - marks[i].hit >= op.spec.period) {
            out.hit_due = true;
            marks[i].hit = now;
        }
        if (out.enough && r.passed && op.charge && used_fraction(op.spec, out.state) >= approach_fraction &&
            now - marks[i].approaching >= op.spec.period) {
            out.approaching_due = true;
            marks[i].approaching = now;
        }
    }
    return r;
}

}  // namespace sw::limits
