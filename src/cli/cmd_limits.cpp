// `sendwarden limits status [--user U | --org O | --client IP]`: the limits
// that apply, their bucket levels now and the time until full. A thin shell
// over core's limits_status(); reads the counters without changing them.
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include <sysexits.h>

#include <cstdio>
#include <iostream>

#include "cli/cli_context.hpp"
#include "cli/cli_options.hpp"
#include "core/config/config_file.hpp"
#include "core/config/policy.hpp"
#include "core/limits/limit_status.hpp"
#include "core/store/counters_db.hpp"
#include "core/util/strings.hpp"

namespace po = boost::program_options;

namespace sw::cli {
namespace {

std::string seconds_text(Micros us) {
    if (us <= 0) return "full";
    auto secs = (us + kMicrosPerSecond - 1) / kMicrosPerSecond;
    return std::to_string(secs) + "s";
}

}  // namespace

int cmd_limits_status(const CliContext& ctx) {
    std::string user, org, client;
    bool json = false;
    po::options_description desc("usage: sendwarden [-c FILE] limits status [--user U | --org O | --client IP] [--json]");
    desc.add_options()("help,h", "show this help")("user", po::value(&user), "a user (SASL name or sender address)")(
        "org", po::value(&org), "an org name")("client", po::value(&client), "a client IP address")(
        "json", po::bool_switch(&json), "one JSON object per bucket");
    po::variables_map vm;
    if (ctx.args.empty() || ctx.args[0] != "status") {
        std::cerr << "sendwarden limits: expected 'status'\n" << desc;
        return EX_USAGE;
    }
    if (auto done = parse_command_options(std::vector<std::string>(ctx.args.begin() + 1, ctx.args.end()), desc, "limits status", vm)) return *done;
    if (static_cast<int>(!user.empty()) + static_cast<int>(!org.empty()) + static_cast<int>(!client.empty()) != 1) {
        std::cerr << "sendwarden limits status: give exactly one of --user, --org, --client\n" << desc;
        return EX_USAGE;
    }

    auto loaded = config::load_config(ctx.config_file);
    if (!loaded.config) {
        for (const auto& e : loaded.errors) std::cerr << e << "\n";
        return EX_CONFIG;
    }
    const auto& cfg = *loaded.config;
    auto policy = config::load_policy(cfg.global_policy_dir, cfg.global_default_org);
    if (!policy.policy) {
        for (const auto& e : policy.errors) std::cerr << e << "\n";
        return EX_CONFIG;
    }

    limits::Subject who;
    if (!user.empty()) {
        who.user = to_lower(user);
        who.org = policy.policy->orgs.org_of(who.user, cfg.global_default_org);
    }
    if (!org.empty()) who.org = org;
    if (!client.empty()) {
        who.set_client(IpPrefix::client_network(client, static_cast<int>(cfg.limits_client_ipv4_prefix),
                                              static_cast<int>(cfg.limits_client_ipv6_prefix)));
        if (!who.client) {
            std::cerr << "sendwarden limits status: '" << client << "' is not an IP address\n";
            return EX_USAGE;
        }
    }

    std::unique_ptr<store::CountersDb> counters;
    try {
        counters = store::CountersDb::open(cfg.store_state_dir, cfg.store_counters_max_size, true);
    } catch (const std::exception& e) {
        // No counters yet (policyd never ran here): every bucket is full.
        std::cerr << "note: no counters in " << cfg.store_state_dir << " (" << e.what() << "): all buckets full\n";
    }

    std::vector<limits::BucketStatus> rows;
    Micros now = SystemClock::instance().now();
    if (counters) {
        auto r = limits::limits_status(policy.policy->limits, who, *counters, now);
        if (!r) {
            std::cerr << "sendwarden limits status: " << r.error() << "\n";
            return EX_TEMPFAIL;
        }
        rows = std::move(*r);
    } else {
        struct NoStore final : limits::BucketStore {
            Result<limits::TakeResult> take(std::span<const limits::BucketOp>, Micros, double) override {
                return fail("read-only");
            }
            Result<std::optional<limits::BucketView>> peek(const std::string&, Micros) override {
                return std::optional<limits::BucketView>();
            }
            Result<std::size_t> prune(Micros, std::size_t) override { return std::size_t{0}; }
        } empty;
        rows = *limits::limits_status(policy.policy->limits, who, empty, now);
    }

    if (rows.empty()) {
        if (!json) std::cout << "no limits apply\n";
        return 0;
    }
    if (!json) std::printf("%-7s %-32s %-10s %-12s %10s %10s  %-8s %s\n", "SCOPE", "MEMBER", "METRIC", "RATE", "BURST",
                           "AVAILABLE", "FULL IN", "RULE");
    for (const auto& r : rows) {
        const auto& rule = *r.rule;
        if (json) {
            nlohmann::json j = {{"scope", limits::scope_name(rule.scope)},
                                {"member", r.member},
                                {"metric", limits::metric_name(rule.metric)},
                                {"rate", rule.rate_text},
                                {"burst", rule.bucket.burst},
                                {"available", r.tokens},
                                {"full_in_seconds", (r.time_to_full + kMicrosPerSecond - 1) / kMicrosPerSecond},
                                {"action", limits::action_name(rule.action)},
                                {"dry_run", rule.dry_run},
                                {"rule", rule.origin}};
            std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        } else {
            std::printf("%-7s %-32s %-10s %-12s %10llu %10llu  %-8s %s\n",
                        std::string(limits::scope_name(rule.scope)).c_str(), r.member.c_str(),
                        std::string(limits::metric_name(rule.metric)).c_str(), rule.rate_text.c_str(),
                        static_cast<unsigned long long>(rule.bucket.burst), static_cast<unsigned long long>(r.tokens),
                        seconds_text(r.time_to_full).c_str(), rule.origin.c_str());
        }
    }
    return 0;
}

}  // namespace sw::cli
