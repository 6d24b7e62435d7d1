// MilterState: the immutable snapshot a milter session works with: the
// config, the signing table with its keys, internal_hosts, the SPF engine
// and the actions. Built at start and on SIGUSR1; a session captures the
// snapshot in force at connect and keeps it to the end (a reload never
// changes a message half-way).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/dkim/signer.hpp"
#include "core/dkim/signing_table.hpp"
#include "core/dns/resolver.hpp"
#include "core/limits/session_caps.hpp"
#include "core/spf/spf.hpp"
#include "core/util/cidr_list.hpp"

namespace sw::milter {

enum class SpfAction { Reject, Tempfail, Tag };

struct MilterState {
    std::shared_ptr<const config::Config> config;
    std::shared_ptr<const dkim::SigningTable> signing;
    dkim::SignerEngine dkim_engine = dkim::SignerEngine::Builtin;
    CidrList internal_hosts;
    std::string authserv_id;  // lower-cased
    std::string receiver;     // host name, %{r} of SPF
    SpfAction fail_action = SpfAction::Tag;
    SpfAction permerror_action = SpfAction::Tag;
    SpfAction temperror_action = SpfAction::Tag;
    bool accept_on_error = false;  // on_error = accept
    limits::SessionLimits session_limits;
    // DNS and SPF: shared by every session of this snapshot (thread-safe).
    std::shared_ptr<dns::Resolver> resolver;
    std::shared_ptr<spf::Engine> spf;
};

struct StateLoad {
    std::shared_ptr<const MilterState> state;  // null when errors is not empty
    std::vector<std::string> errors;           // "file:line: message"
    bool signing_missing = false;
};

// Reads the signing table and its keys, checks the [milter] settings.
StateLoad build_state(std::shared_ptr<const config::Config> cfg, const std::string& host_name);

}  // namespace sw::milter
