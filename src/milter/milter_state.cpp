// build_state; see milter_state.hpp.
#include "milter/milter_state.hpp"

#include "core/spf/engine_factory.hpp"
#include "core/dns/resolver_factory.hpp"
#include "core/util/strings.hpp"

namespace sw::milter {
namespace {

bool parse_action(const std::string& text, bool allow_reject, SpfAction& out) {
    if (text == "reject" && allow_reject) out = SpfAction::Reject;
    else if (text == "tempfail") out = SpfAction::Tempfail;
    else if (text == "tag") out = SpfAction::Tag;
    else return false;
    return true;
}

}  // namespace

StateLoad build_state(std::shared_ptr<const config::Config> cfg, const std::string& host_name) {
    StateLoad load;
    auto state = std::make_shared<MilterState>();
    auto err = [&](const std::string& m) { load.errors.push_back(cfg->path + ": " + m); };

    auto hosts = CidrList::parse(cfg->milter_internal_hosts);
    if (!hosts) err("[milter] internal_hosts: " + hosts.error());
    else state->internal_hosts = std::move(*hosts);
    if (!parse_action(cfg->milter_spf_fail_action, true, state->fail_action))
        err("[milter] spf_fail_action: '" + cfg->milter_spf_fail_action + "' is not reject, tempfail or tag");
    if (!parse_action(cfg->milter_spf_permerror_action, true, state->permerror_action))
        err("[milter] spf_permerror_action: '" + cfg->milter_spf_permerror_action + "' is not reject, tempfail or tag");
    if (!parse_action(cfg->milter_spf_temperror_action, false, state->temperror_action))
        err("[milter] spf_temperror_action: '" + cfg->milter_spf_temperror_action +
            "' is not tempfail or tag (a temporary error never rejects)");
    if (cfg->milter_on_error != "tempfail" && cfg->milter_on_error != "accept")
        err("[milter] on_error: '" + cfg->milter_on_error + "' is not tempfail or accept");
    state->accept_on_error = cfg->milter_on_error == "accept";
    if (auto engine = dkim::parse_signer_engine(cfg->milter_dkim_engine)) state->dkim_engine = *engine;
    else err("[milter] dkim_engine: '" + cfg->milter_dkim_engine + "' is not builtin or libopendkim");
    state->session_limits = {cfg->milter_max_sessions, cfg->milter_max_sessions_per_client,
                             cfg->milter_max_sessions_per_user};
    state->receiver = host_name;
    state->authserv_id = to_lower(cfg->milter_authserv_id.empty() ? host_name : cfg->milter_authserv_id);

    auto resolver = dns::make_resolver(*cfg);
    if (!resolver) err("[dns]: " + resolver.error());
    else state->resolver = std::move(*resolver);
    if (state->resolver) {
        auto engine = spf::make_engine(cfg->milter_spf_engine, *state->resolver);
        if (!engine) err("[milter] spf_engine: " + engine.error());
        else state->spf = std::move(*engine);
    }

    auto signing = dkim::load_signing_table(cfg->global_policy_dir, true);
    load.errors.insert(load.errors.end(), signing.errors.begin(), signing.errors.end());
    load.signing_missing = signing.missing;
    state->signing = signing.table;
    state->config = std::move(cfg);
    if (load.errors.empty()) load.state = std::move(state);
    return load;
}

}  // namespace sw::milter
