// PolicyDecider: turns one parsed policy request into the action Postfix
// gets back, logs the decision line for every refusal, hold, warning or
// dry-run hit, and records limit events. The limit rules themselves live in
// core (limits/limit_check); this file maps the protocol onto them:
// identities from the attributes, the stage from protocol_state, the reply
// text and code from the deciding limit.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/config/config.hpp"
#include "core/config/policy.hpp"
#include "core/events/event.hpp"
#include "core/limits/bucket_store.hpp"
#include "core/limits/limit_check.hpp"
#include "core/reputation/org_counters.hpp"
#include "core/reputation/org_state.hpp"
#include "core/sent/sent_index.hpp"
#include "core/suppress/suppression_store.hpp"
#include "core/util/clock.hpp"
#include "policyd/policy_request.hpp"

namespace sw::policyd {

// Decision counters, ready for a metrics endpoint later.
struct DecisionStats {
    std::uint64_t requests = 0, dunno = 0, defer = 0, reject = 0, hold = 0, warn = 0;
    std::uint64_t dry_run_hits = 0, store_errors = 0, bad_requests = 0;
    std::uint64_t suppressed = 0, paused = 0, sent_recorded = 0;
};

// Where policyd records what was sent and reads whether an org is paused
// (issue "Sent-message index", "Rates and automatic pause"). Any may be null.
struct SendingState {
    sent::SentIndex* sent = nullptr;
    reputation::OrgCounters* counters = nullptr;
    const reputation::OrgStateStore* org_states = nullptr;
};

struct PolicyView {
    std::shared_ptr<const config::Config> config;
    std::shared_ptr<const config::Policy> policy;
};

// Who the request is, per the configured user_identity and the orgs table.
limits::Subject subject_of(const PolicyRequest& req, const config::Config& cfg, const config::Policy& policy);

class PolicyDecider {
public:
    PolicyDecider(limits::BucketStore& store, events::EventSink& events, const Clock& clock)
        : store_(store), events_(events), clock_(clock) {}

    void set_policy(PolicyView view) { view_ = std::move(view); }
    // Recipients in this list are refused at RCPT (before any limit is charged).
    void set_suppressions(const suppress::SuppressionStore* list) { suppressions_ = list; }
    // Accepted messages are recorded at END-OF-MESSAGE; a paused org's mail
    // gets HOLD or defer at RCPT.
    void set_sending_state(SendingState s) { sending_ = s; }
    const PolicyView& policy() const { return view_; }

    // The action for Postfix (without "action="), e.g. "DUNNO" or
    // "450 4.7.1 user alice@acme.example: 5 messages/1m reached, retry in 12s".
    // An empty string means: close the connection without a reply.
    std::string decide(const PolicyRequest& req);

    // The answer to a request we could not parse (on_error), logged.
    std::string on_bad_request(const std::string& peer, const std::string& what);

    const DecisionStats& stats() const { return stats_; }

private:
    std::string act(const PolicyRequest& req, const limits::LimitDecision& d, std::string_view stage,
                    const limits::Subject& who);
    void log_hit(const PolicyRequest& req, const limits::LimitHit& hit, std::string_view action,
                 std::string_view stage, const std::string& reply, const limits::Subject& who, bool dry_run);
    std::string on_store_error(const std::string& what);
    // The reply for a suppressed recipient, or nullopt.
    std::optional<std::string> check_suppressed(const PolicyRequest& req, const limits::Subject& who, Micros now);
    // The reply for mail of a paused org, or nullopt.
    std::optional<std::string> check_paused(const PolicyRequest& req, const limits::Subject& who);
    void record_sent(const PolicyRequest& req, const limits::Subject& who, Micros now);

    limits::BucketStore& store_;
    events::EventSink& events_;
    const Clock& clock_;
    const suppress::SuppressionStore* suppressions_ = nullptr;
    SendingState sending_;
    PolicyView view_;
    DecisionStats stats_;
    Micros last_error_log_ = 0;
};

// "450 4.7.1 TEXT" for defer, "550 5.7.1 TEXT" for reject, "HOLD TEXT",
// "WARN TEXT"; an enhanced status code at the start of TEXT is kept.
std::string action_reply(limits::Action action, const std::string& text);

}  // namespace sw::policyd
