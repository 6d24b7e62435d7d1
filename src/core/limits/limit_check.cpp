// check_limits(); see limit_check.hpp.
#include "core/limits/limit_check.hpp"

#include <cmath>

namespace sw::limits {
namespace {

int strength(Action a) {
    switch (a) {
        case Action::Reject: return 4;
        case Action::Defer: return 3;
        case Action::Hold: return 2;
        case Action::Warn: return 1;
    }
    return 0;
}

bool refuses(Action a) { return a == Action::Reject || a == Action::Defer; }

events::Event limit_event(const char* type, const MatchedLimit& m, const BucketOutcome& out, const Subject& who,
                          bool dry_run, Micros now) {
    const auto& rule = *m.rule;
    events::Event e;
    e.type = type;
    e.time = now;
    e.org = who.org;
    e.body = {{"limit", rule.name()},
              {"bucket", std::string(scope_name(rule.scope)) + ":" + std::string(m.member) + ":" +
                             std::string(metric_name(rule.metric))},
              {"member", m.member},
              {"rate", rule.rate_text},
              {"burst", rule.bucket.burst},
              {"action", std::string(action_name(rule.action))},
              {"tokens", tokens(rule.bucket, out.state)},
              {"user", who.user},
              {"dry_run", dry_run},
              {"origin", rule.origin}};
    return e;
}

}  // namespace

Result<LimitDecision> check_limits(const LimitPolicy& policy, const LimitSettings& settings, const Subject& who,
                                   Stage stage, std::uint64_t size, BucketStore& store, Micros now) {
    // Reused per thread: no allocation on the hot path once warm.
    // The ops keep their key strings' buffers from call to call.
    thread_local std::vector<MatchedLimit> candidates, matched;
    thread_local std::vector<BucketOp> op_pool;
    candidates.clear();
    matched.clear();
    policy.match(who, candidates);

    LimitDecision decision;
    std::size_t n_ops = 0;
    for (const auto& m : candidates) {
        const auto& rule = *m.rule;
        if (n_ops == op_pool.size()) op_pool.emplace_back();
        BucketOp& op = op_pool[n_ops];
        bool charge_now;
        switch (rule.metric) {
            case Metric::Recipients:
                if (stage != Stage::Rcpt) continue;
                op.cost = 1;
                charge_now = true;
                break;
            case Metric::Messages:
                op.cost = 1;
                charge_now = stage == Stage::EndOfMessage;
                break;
            case Metric::Bytes:
                // At RCPT the size is the client's SIZE= estimate (often 0).
                if (size == 0 && stage == Stage::Rcpt) continue;
                op.cost = std::max<std::uint64_t>(size, 1);
                charge_now = stage == Stage::EndOfMessage;
                break;
            default: continue;
        }
        bool dry = rule.dry_run || settings.dry_run;
        bucket_key_into(op.key, rule, m.member);
        op.spec = rule.bucket;
        op.charge = charge_now;
        op.blocking = refuses(rule.action) && !dry;
        ++n_ops;
        matched.push_back(m);  // matched[i] belongs to ops[i]
    }
    std::span<const BucketOp> ops(op_pool.data(), n_ops);
    decision.buckets = ops.size();
    if (ops.empty()) return decision;

    auto taken = store.take(ops, now, settings.approaching_fraction);
    if (!taken) return fail(taken.error());

    for (std::size_t i = 0; i < ops.size(); ++i) {
        const auto& out = taken->outcomes[i];
        const auto& m = matched[i];
        bool dry = m.rule->dry_run || settings.dry_run;
        if (out.approaching_due) decision.events.push_back(limit_event("limit_approaching", m, out, who, dry, now));
        if (out.hit_due) decision.events.push_back(limit_event("limit_hit", m, out, who, dry, now));
        if (out.enough) continue;
        LimitHit hit{m.rule, std::string(m.member), time_until(m.rule->bucket, out.state, ops[i].cost), dry};
        decision.hits.push_back(hit);
        if (dry) continue;
        // A refusing hit only decides when the take failed (all-or-none);
        // otherwise the strongest hold/warn does.
        if (refuses(m.rule->action) != !taken->passed) continue;
        auto& cur = decision.deciding;
        bool stronger = !cur || strength(m.rule->action) > strength(cur->rule->action) ||
                        (strength(m.rule->action) == strength(cur->rule->action) &&
                         hit.retry_after.value_or(INT64_MAX) > cur->retry_after.value_or(INT64_MAX));
        if (stronger) cur = hit;
    }
    return decision;
}

std::string default_reply_text(const LimitHit& hit) {
    const auto& r = *hit.rule;
    std::string text(scope_name(r.scope));
    if (r.scope != Scope::Global) {
        text += ' ';
        text += hit.member;
    }
    auto slash = r.rate_text.find('/');
    text += ": " + r.rate_text.substr(0, slash) + " " + std::string(metric_name(r.metric)) + "/" +
            r.rate_text.substr(slash + 1) + " reached";
    if (r.action == Action::Defer) {
        if (hit.retry_after) {
            auto secs = (*hit.retry_after + kMicrosPerSecond - 1) / kMicrosPerSecond;
            text += ", retry in " + std::to_string(std::max<Micros>(secs, 1)) + "s";
        } else {
            text += ", message larger than the burst";
        }
    }
    return text;
}

}  // namespace sw::limits
