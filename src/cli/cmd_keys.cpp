// `sendwarden keys status [--dns] [--json]` and
// `sendwarden keys activate --domain D --selector S [--force]`: the rotation
// commands, thin shells over core's keys_status() / activate_key().
// Activation rewrites the signing table: it is audited.
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include <sysexits.h>

#include <ctime>
#include <iostream>

#include "cli/cli_context.hpp"
#include "cli/cli_options.hpp"
#include "cli/cli_state.hpp"
#include "core/config/config_file.hpp"
#include "core/dkim/key_rotation.hpp"
#include "core/dns/resolver_factory.hpp"

namespace po = boost::program_options;

namespace sw::cli {
namespace {

std::shared_ptr<const config::Config> load_or_report(const std::string& file) {
    auto loaded = config::load_config(file);
    if (!loaded.config)
        for (const auto& e : loaded.errors) std::cerr << e << "\n";
    return loaded.config;
}

int keys_status_cmd(const CliContext& ctx, const std::vector<std::string>& args) {
    bool json = false, with_dns = false;
    po::options_description desc("usage: sendwarden [-c FILE] keys status [--dns] [--json]");
    desc.add_options()("help,h", "show this help")("dns", po::bool_switch(&with_dns),
                                                   "also check each key's published record")(
        "json", po::bool_switch(&json), "one JSON object per key");
    po::variables_map vm;
    if (auto done = parse_command_options(args, desc, "keys status", vm)) return *done;
    auto cfg = load_or_report(ctx.config_file);
    if (!cfg) return EX_CONFIG;
    auto load = dkim::load_signing_table(cfg->global_policy_dir, false);
    if (!load.table) {
        for (const auto& e : load.errors) std::cerr << e << "\n";
        return EX_CONFIG;
    }
    std::unique_ptr<dns::Resolver> resolver;
    if (with_dns) {
        auto r = dns::make_resolver(*cfg);
        if (!r) {
            std::cerr << "sendwarden keys status: " << r.error() << "\n";
            return EX_CONFIG;
        }
        resolver = std::move(*r);
    }
    auto statuses = dkim::keys_status(*load.table, std::time(nullptr));
    if (!json) {
        if (load.missing) std::cout << "no signing table (" << cfg->global_policy_dir << "/signing): nothing is signed\n";
        else std::cout << "DOMAIN\tSELECTOR\tALGORITHM\tSTATE\tAGE\tSIGNS\tKEYFILE" << (with_dns ? "\tDNS" : "") << "\n";
    }
    bool all_ok = true;
    for (const auto& s : statuses) {
        const auto& k = *s.key;
        std::string dns_text;
        if (resolver && s.info) {
            auto p = dkim::check_published(k, *s.info, *resolver);
            dns_text = p.matches ? "published" : p.detail;
            if (!p.matches && k.active) all_ok = false;
        }
        if (!s.readable) all_ok = false;
        std::string age = s.age_days ? std::to_string(*s.age_days) + "d" : "?";
        if (json) {
            nlohmann::json j{{"domain", k.domain},       {"selector", k.selector},
                             {"algorithm", dkim::to_string(k.algorithm)},
                             {"state", k.active ? "active" : "standby"},
                             {"signs", s.signs},          {"keyfile", k.keyfile}};
            if (s.age_days) j["age_days"] = *s.age_days;
            if (!s.problem.empty()) j["problem"] = s.problem;
            if (with_dns) j["dns"] = dns_text;
            std::cout << j.dump() << "\n";
        } else {
            std::cout << k.domain << "\t" << k.selector << "\t" << dkim::to_string(k.algorithm) << "\t"
                      << (k.active ? "active" : "standby") << "\t" << age << "\t" << (s.signs ? "yes" : "no") << "\t"
                      << k.keyfile << (with_dns ? "\t" + dns_text : "") << "\n";
            if (!s.problem.empty()) std::cout << "  problem: " << s.problem << "\n";
        }
    }
    return all_ok ? 0 : 1;
}

int keys_activate_cmd(const CliContext& ctx, const std::vector<std::string>& args) {
    std::string domain, selector;
    bool force = false;
    po::options_description desc("usage: sendwarden [-c FILE] keys activate --domain D --selector S [--force]");
    desc.add_options()("help,h", "show this help")("domain", po::value(&domain), "the domain of the signing table line")(
        "selector", po::value(&selector), "the selector to make active")(
        "force", po::bool_switch(&force), "switch even if DNS does not serve the matching record");
    po::variables_map vm;
    if (auto done = parse_command_options(args, desc, "keys activate", vm)) return *done;
    if (domain.empty() || selector.empty()) {
        std::cerr << "sendwarden keys activate: --domain and --selector are required\n" << desc;
        return EX_USAGE;
    }
    auto cfg = load_or_report(ctx.config_file);
    if (!cfg) return EX_CONFIG;
    auto resolver = dns::make_resolver(*cfg);
    if (!resolver) {
        std::cerr << "sendwarden keys activate: " << resolver.error() << "\n";
        return EX_CONFIG;
    }
    auto act = dkim::activate_key(cfg->global_policy_dir, domain, selector, force, **resolver);
    if (!act) {
        std::cerr << "sendwarden keys activate: " << act.error() << "\n";
        return 1;
    }
    std::string what = "keys activate domain=" + act->domain + " selector=" + act->selector +
                       " algorithm=" + act->algorithm + " table=" + cfg->global_policy_dir + "/signing";
    for (const auto& s : act->now_standby) what += " standby=" + s;
    if (act->forced) what += " forced";
    audit_outside_state(ctx, "keys activate", what, "",
                        {{"domain", act->domain}, {"selector", act->selector}, {"algorithm", act->algorithm},
                         {"table", cfg->global_policy_dir + "/signing"}, {"now_standby", act->now_standby},
                         {"forced", act->forced}});
    if (act->forced) std::cerr << "warning: " << act->dns.detail << " (activated anyway: --force)\n";
    std::cout << act->selector << " is now the active " << act->algorithm << " key of " << act->domain;
    for (const auto& s : act->now_standby) std::cout << "; " << s << " is standby";
    std::cout << "\nreload the milter to switch: systemctl reload sendwarden-milter (or kill -USR1 the milter)\n";
    return 0;
}

}  // namespace

int cmd_keys(const CliContext& ctx) {
    if (ctx.args.empty() || (ctx.args[0] != "status" && ctx.args[0] != "activate")) {
        std::cerr << "usage: sendwarden [-c FILE] keys status [--dns] [--json]\n"
                     "       sendwarden [-c FILE] keys activate --domain D --selector S [--force]\n";
        return EX_USAGE;
    }
    std::vector<std::string> rest(ctx.args.begin() + 1, ctx.args.end());
    return ctx.args[0] == "status" ? keys_status_cmd(ctx, rest) : keys_activate_cmd(ctx, rest);
}

}  // namespace sw::cli
