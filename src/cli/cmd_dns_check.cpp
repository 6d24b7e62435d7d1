// `sendwarden dns-check [DOMAIN...] [--selector S]... [--json]`: the SPF,
// DKIM and DMARC records of our signing domains as the world sees them,
// through the resolver of [dns]. Wiring and printing only; the checks are
// core/dnscheck. Exit 0 when nothing is wrong (warnings allowed), 1 when
// something is, 75 when only DNS failures kept a check from deciding.
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include <sysexits.h>

#include <algorithm>
#include <ctime>
#include <iomanip>
#include <iostream>

#include "cli/cli_context.hpp"
#include "cli/cli_options.hpp"
#include "core/config/config_file.hpp"
#include "core/dns/resolver_factory.hpp"
#include "core/dnscheck/domain_check.hpp"
#include "core/spf/spf_domain.hpp"
#include "core/util/strings.hpp"

namespace po = boost::program_options;
using nlohmann::ordered_json;

namespace sw::cli {
namespace {

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    return s;
}

// RFC 6376 §3.1: a selector is a dot-separated list of labels.
bool is_selector(std::string_view s) {
    if (s.empty() || s.size() > 63 || s.front() == '.' || s.back() == '.') return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
               c == '_';
    });
}

void print_human(const std::vector<dnscheck::DomainReport>& reports, const dnscheck::Tally& total) {
    std::size_t width = 0;
    for (const auto& r : reports) width = std::max(width, r.domain.size());
    bool first = true;
    for (const auto& r : reports) {
        if (!first) std::cout << "\n";
        first = false;
        auto line = [&](const std::string& check, std::string_view level, const std::string& message) {
            std::cout << std::left << std::setw(static_cast<int>(width)) << r.domain << "  " << std::setw(5)
                      << upper(check) << "  " << std::setw(7) << level << "  " << message << "\n";
        };
        for (const auto& f : r.findings()) line(f.check, dnscheck::to_string(f.level), f.message);
        if (!r.dmarc.next_step.empty()) line("dmarc", "next", r.dmarc.next_step);
    }
    std::cout << "\n"
              << reports.size() << (reports.size() == 1 ? " domain" : " domains") << ": " << total.errors
              << (total.errors == 1 ? " error" : " errors");
    if (total.temporary) std::cout << " (" << total.temporary << " of them DNS failures: try again)";
    std::cout << ", " << total.warnings << (total.warnings == 1 ? " warning" : " warnings") << "\n";
}

ordered_json policy_json(const std::optional<dnscheck::DmarcPolicy>& p) {
    return p ? ordered_json(std::string(dnscheck::to_string(*p))) : ordered_json(nullptr);
}

ordered_json report_json(const dnscheck::DomainReport& r) {
    ordered_json findings = ordered_json::array();
    for (const auto& f : r.findings())
        findings.push_back({{"check", f.check},
                            {"level", std::string(dnscheck::to_string(f.level))},
                            {"message", f.message},
                            {"temporary", f.temporary}});
    ordered_json selectors = ordered_json::array();
    for (const auto& s : r.dkim.selectors)
        selectors.push_back({{"selector", s.selector},
                             {"source", s.source},
                             {"state", s.state},
                             {"algorithm", s.algorithm},
                             {"keyfile", s.keyfile},
                             {"have_key", s.have_key},
                             {"published", s.published},
                             {"expected_record", s.expected_record}});
    ordered_json dmarc = {{"found_at", r.dmarc.found_at},
                          {"from_org_domain", r.dmarc.from_org_domain},
                          {"record", r.dmarc.record},
                          {"policy", policy_json(r.dmarc.policy)}};
    if (const auto& p = r.dmarc.parsed) {
        dmarc["p"] = policy_json(p->p);
        dmarc["sp"] = policy_json(p->sp);
        dmarc["np"] = policy_json(p->np);
        dmarc["pct"] = p->pct;
        dmarc["rua"] = p->rua;
        dmarc["ruf"] = p->ruf;
        dmarc["adkim"] = std::string(1, p->adkim);
        dmarc["aspf"] = std::string(1, p->aspf);
        dmarc["fo"] = p->fo;
        dmarc["ri"] = p->ri;
    }
    dmarc["next_step"] = r.dmarc.next_step;
    return {{"domain", r.domain},
            {"status", std::string(dnscheck::to_string(r.tally().worst()))},
            {"findings", std::move(findings)},
            {"spf",
             {{"record", r.spf.record},
              {"lookups", r.spf.lookups},
              {"lookups_complete", r.spf.lookups_complete},
              {"ending", r.spf.ending}}},
            {"dkim", {{"selectors", std::move(selectors)}}},
            {"dmarc", std::move(dmarc)}};
}

}  // namespace

int cmd_dns_check(const CliContext& ctx) {
    std::vector<std::string> domains, selectors;
    bool json = false;
    po::options_description desc("usage: sendwarden [-c FILE] dns-check [DOMAIN...] [--selector S]... [--json]");
    desc.add_options()("help,h", "show this help")(
        "domain", po::value(&domains), "a domain to check (default: every domain of the signing table)")(
        "selector", po::value(&selectors), "also check selector S, e.g. a retired one (repeatable)")(
        "json", po::bool_switch(&json), "print one JSON object");
    po::positional_options_description positional;
    positional.add("domain", -1);
    po::variables_map vm;
    if (auto done = parse_command_options(ctx.args, desc, "dns-check", vm, &positional)) return *done;
    std::vector<std::string> named;  // each once, in the order given
    for (auto d : domains) {
        d = to_lower(d);
        if (!d.empty() && d.back() == '.') d.pop_back();
        if (!spf::is_checkable_domain(d)) {
            std::cerr << "sendwarden dns-check: '" << printable(d, 255) << "' is not a domain name\n";
            return EX_USAGE;
        }
        if (std::find(named.begin(), named.end(), d) == named.end()) named.push_back(std::move(d));
    }
    domains = std::move(named);
    for (const auto& s : selectors) {
        if (!is_selector(s)) {
            std::cerr << "sendwarden dns-check: '" << printable(s, 64) << "' is not a DKIM selector\n";
            return EX_USAGE;
        }
    }

    auto loaded = config::load_config(ctx.config_file);
    if (!loaded.config) {
        for (const auto& e : loaded.errors) std::cerr << e << "\n";
        return EX_CONFIG;
    }
    const auto& cfg = *loaded.config;
    dnscheck::DomainCheckOptions options;
    auto outbound = CidrList::parse(cfg.global_outbound_ips);
    if (!outbound) {
        std::cerr << cfg.path << ": [global] outbound_ips: " << outbound.error() << "\n";
        return EX_CONFIG;
    }
    options.outbound = std::move(*outbound);
    auto signing = dkim::load_signing_table(cfg.global_policy_dir, false);
    if (!signing.table) {
        for (const auto& e : signing.errors) std::cerr << e << "\n";
        return EX_CONFIG;
    }
    options.dkim.table = signing.table.get();
    options.dkim.extra_selectors = selectors;
    options.dkim.key_dir = cfg.milter_key_dir;
    options.dkim.now = std::time(nullptr);
    if (domains.empty()) domains = dnscheck::signing_domains(*signing.table);
    if (domains.empty()) {
        std::cerr << "sendwarden dns-check: the signing table (" << cfg.global_policy_dir
                  << "/signing) lists no domain: name the domains to check\n";
        return EX_USAGE;
    }
    auto resolver = dns::make_resolver(cfg);
    if (!resolver) {
        std::cerr << cfg.path << ": " << resolver.error() << "\n";
        return EX_CONFIG;
    }

    std::vector<dnscheck::DomainReport> reports;
    dnscheck::Tally total;
    for (const auto& d : domains) {
        reports.push_back(dnscheck::check_domain(d, options, **resolver));
        total += reports.back().tally();
    }
    if (json) {
        ordered_json out = {{"domains", ordered_json::array()}};
        for (const auto& r : reports) out["domains"].push_back(report_json(r));
        out["errors"] = total.errors;
        out["warnings"] = total.warnings;
        out["temporary"] = total.temporary;
        std::cout << out.dump(-1, ' ', false, ordered_json::error_handler_t::replace) << "\n";
    } else {
        print_human(reports, total);
    }
    if (total.errors > total.temporary) return 1;
    return total.temporary ? EX_TEMPFAIL : 0;
}

}  // namespace sw::cli
