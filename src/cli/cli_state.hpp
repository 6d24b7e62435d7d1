// Opening what the state-changing commands need (config, policy, the data
// and counters environments) the same way for each, and the audit trail of
// their changes: a log line (who: the Unix user, and SUDO_USER; what) and an
// "audit" event.
#pragma once

#include <memory>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "cli/cli_context.hpp"
#include "core/config/config.hpp"
#include "core/config/policy.hpp"
#include "core/store/counters_db.hpp"
#include "core/store/data_db.hpp"

namespace sw::cli {

struct OpenedState {
    std::shared_ptr<const config::Config> cfg;
    std::shared_ptr<const config::Policy> policy;  // when asked for
    std::unique_ptr<store::DataDb> data;
    std::unique_ptr<store::CountersDb> counters;   // when asked for
};

struct StateNeeds {
    bool policy = false;
    bool counters = false;
    // Exit status for a bad config or a missing/unopenable state directory
    // (a Postfix pipe wants EX_TEMPFAIL there, so the message is retried).
    int config_error = 78;  // EX_CONFIG
};

// The state, or the exit status to return (the error is printed, prefixed
// with "sendwarden COMMAND: ").
std::variant<OpenedState, int> open_state(const CliContext& ctx, const std::string& command, StateNeeds needs = {});

// The Unix user running the command.
std::string unix_user();

// SUDO_USER when set and not the Unix user itself (sanitized), else "".
std::string sudo_user();

// The audit line and event of a change made with the CLI:
//   audit: user=U [sudo_user=S] WHAT
// and an "audit" event whose body is BODY plus user, sudo_user and what.
// Events are appended under a new id (data_db.cpp): none is ever rewritten.
void audit(store::DataDb& db, const std::string& command, const std::string& what, const std::string& org,
           nlohmann::json body);

// The same for a change outside the state (key files, the signing table):
// the state is opened for the event alone. Without a usable configuration
// or state directory the line is still logged and stderr says why no event
// was recorded; the change itself is never refused for that.
void audit_outside_state(const CliContext& ctx, const std::string& command, const std::string& what,
                         const std::string& org, nlohmann::json body);

}  // namespace sw::cli
