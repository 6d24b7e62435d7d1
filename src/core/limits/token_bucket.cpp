// Token-bucket arithmetic; see token_bucket.hpp.
#include "core/limits/token_bucket.hpp"

namespace sw::limits {
namespace {

Level capacity(const BucketSpec& spec) { return static_cast<Level>(spec.burst) * spec.period; }
Level scaled(const BucketSpec& spec, std::uint64_t cost) { return static_cast<Level>(cost) * spec.period; }

// ceil(a / b) for a >= 0, b > 0
Level ceil_div(Level a, Level b) { return (a + b - 1) / b; }

}  // namespace

BucketState full_bucket(const BucketSpec& spec, Micros now) { return {capacity(spec), now}; }

BucketState refill(const BucketSpec& spec, BucketState state, Micros now) {
    if (now <= state.updated) return state;
    Level cap = capacity(spec);
    Level elapsed = now - state.updated;
    // Saturate before multiplying: a bucket idle for longer than a full
    // refill is simply full.
    if (state.level >= cap || elapsed >= ceil_div(cap - state.level, static_cast<Level>(spec.rate))) {
        state.level = cap;
    } else {
        state.level += elapsed * static_cast<Level>(spec.rate);
    }
    state.updated = now;
    return state;
}

bool has_tokens(const BucketSpec& spec, const BucketState& state, std::uint64_t cost) {
    return state.level >= scaled(spec, cost);
}

BucketState charge(const BucketSpec& spec, BucketState state, std::uint64_t cost) {
    Level c = scaled(spec, cost);
    state.level = state.level >= c ? state.level - c : 0;
    return state;
}

std::optional<Micros> time_until(const BucketSpec& spec, const BucketState& state, std::uint64_t cost) {
    if (cost > spec.burst) return std::nullopt;
    Level need = scaled(spec, cost) - state.level;
    if (need <= 0) return Micros{0};
    return static_cast<Micros>(ceil_div(need, static_cast<Level>(spec.rate)));
}

Micros time_to_full(const BucketSpec& spec, const BucketState& state) {
    Level need = capacity(spec) - state.level;
    if (need <= 0) return 0;
    return static_cast<Micros>(ceil_div(need, static_cast<Level>(spec.rate)));
}

std::uint64_t tokens(const BucketSpec& spec, const BucketState& state) {
    return static_cast<std::uint64_t>(state.level / spec.period);
}

double used_fraction(const BucketSpec& spec, const BucketState& state) {
    Level cap = capacity(spec);
    if (cap == 0) return 1.0;
    return 1.0 - static_cast<double>(state.level) / static_cast<double>(cap);
}

}  // namespace sw::limits
