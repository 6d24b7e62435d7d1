// `sendwarden spf check --ip IP --mail-from ADDR --helo NAME [--json]`: one
// SPF evaluation (RFC 7208) with the resolver of [dns] and the engine of
// [milter] spf_engine, exactly as the milter would do it. Prints the result
// word, then the explanation if there is one (or one JSON object). Exit 0
// whatever the result; EX_USAGE / EX_CONFIG only for bad arguments or setup.
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include <sysexits.h>

#include <iostream>

#include "cli/cli_context.hpp"
#include "cli/cli_options.hpp"
#include "core/config/config_file.hpp"
#include "core/dns/resolver_factory.hpp"
#include "core/spf/engine_factory.hpp"
#include "core/util/strings.hpp"

namespace po = boost::program_options;

namespace sw::cli {

int cmd_spf(const CliContext& ctx) {
    std::string ip, mail_from, helo, receiver;
    bool json = false;
    po::options_description desc(
        "usage: sendwarden [-c FILE] spf check --ip IP --mail-from ADDR --helo NAME [--json]");
    desc.add_options()("help,h", "show this help")("ip", po::value(&ip), "the SMTP client address (IPv4 or IPv6)")(
        "mail-from", po::value(&mail_from), "the MAIL FROM address; '' or '<>' is the null sender (HELO is checked)")(
        "helo", po::value(&helo)->default_value(""), "the HELO/EHLO name")(
        "receiver", po::value(&receiver)->default_value("unknown"), "our host name, for the %{r} macro")(
        "json", po::bool_switch(&json), "print one JSON object {\"result\", \"explanation\"}");
    if (ctx.args.empty() || ctx.args[0] != "check") {
        std::cerr << "sendwarden spf: expected 'check'\n" << desc;
        return EX_USAGE;
    }
    po::variables_map vm;
    if (auto done = parse_command_options(std::vector<std::string>(ctx.args.begin() + 1, ctx.args.end()), desc, "spf check", vm)) return *done;
    if (!vm.count("ip") || !vm.count("mail-from")) {
        std::cerr << "sendwarden spf check: --ip and --mail-from are required\n" << desc;
        return EX_USAGE;
    }
    if (mail_from == "<>") mail_from.clear();
    if (mail_from.empty() && helo.empty()) {
        std::cerr << "sendwarden spf check: the null sender needs --helo (the identity checked)\n";
        return EX_USAGE;
    }

    auto loaded = config::load_config(ctx.config_file);
    if (!loaded.config) {
        for (const auto& e : loaded.errors) std::cerr << e << "\n";
        return EX_CONFIG;
    }
    const auto& cfg = *loaded.config;
    auto resolver = dns::make_resolver(cfg);
    if (!resolver) {
        std::cerr << cfg.path << ": " << resolver.error() << "\n";
        return EX_CONFIG;
    }
    auto engine = spf::make_engine(cfg.milter_spf_engine, **resolver);
    if (!engine) {
        std::cerr << cfg.path << ": [milter] spf_engine: " << engine.error() << "\n";
        return EX_CONFIG;
    }

    spf::Request request;
    request.ip = ip;
    request.mail_from = mail_from;
    request.helo = helo;
    request.receiver = receiver;
    spf::Verdict v = (*engine)->check(request);

    if (json) {
        nlohmann::ordered_json j = {{"result", std::string(spf::to_string(v.result))}, {"explanation", v.explanation}};
        std::cout << j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
    } else {
        std::cout << spf::to_string(v.result) << "\n";
        if (!v.explanation.empty()) std::cout << printable(v.explanation) << "\n";
    }
    // Why an error result came about: for the operator, not for scripts.
    if (!v.problem.empty()) std::cerr << "sendwarden spf check: " << v.identity << " " << printable(v.domain) << ": "
                                      << printable(v.problem) << "\n";
    return 0;
}

}  // namespace sw::cli
