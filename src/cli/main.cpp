// sendwarden: the admin CLI. Wiring only: global options, then a table of
// commands, each a thin shell over a core operation (DESIGN "Operations are
// core functions").
#include "config.h"

#include <boost/program_options.hpp>

#include <sysexits.h>

#include <cstring>
#include <iostream>

#include "cli/cli_context.hpp"
#include "core/log/msg.hpp"

namespace po = boost::program_options;

namespace {

struct Command {
    const char* words;  // "limits" — the first argument selects it
    const char* summary;
    int (*run)(const sw::cli::CliContext&);
};

constexpr Command kCommands[] = {
    {"check-config", "check sendwarden.conf and the policy files; print every error as file:line", sw::cli::cmd_check_config},
    {"limits", "limits status [--user U | --org O | --client IP]: bucket levels now", sw::cli::cmd_limits_status},
    {"keygen", "keygen --domain D --selector S [--algorithm rsa-2048|rsa-4096|ed25519] [--dir DIR]: new DKIM key and its DNS record", sw::cli::cmd_keygen},
    {"keys", "keys status [--dns] [--json] | keys activate --domain D --selector S [--force]: DKIM key rotation", sw::cli::cmd_keys},
    {"spf", "spf check --ip IP --mail-from ADDR --helo NAME [--json]: evaluate SPF as the milter would",
     sw::cli::cmd_spf},
    {"dns-check", "dns-check [DOMAIN...] [--selector S]... [--json]: SPF, DKIM and DMARC records of the signing domains",
     sw::cli::cmd_dns_check},
    {"suppress", "suppress add|remove|list|export|import: the suppression list",
     sw::cli::cmd_suppress},
    {"ingest", "ingest [--json] < MSG | --maildir DIR | --mbox FILE: bounces, complaints, DMARC reports (Postfix pipe)",
     sw::cli::cmd_ingest},
    {"org", "org status [ORG] [--json] | org pause ORG --reason TEXT | org resume ORG: sending state of an org",
     sw::cli::cmd_org},
    {"stats", "stats [--org ORG] [--json]: sent, bounced, complained, rates and state per org", sw::cli::cmd_stats},
    {"dmarc", "dmarc sources|readiness --domain D [--since 30d] [--json] | dmarc report --domain D --html FILE: "
              "who sends as the domain, and is p=quarantine/reject safe",
     sw::cli::cmd_dmarc},
    {"audit", "audit [--json]: the audit trail, every change made with this command, oldest first", sw::cli::cmd_audit},
};

void usage(std::ostream& out, const po::options_description& desc) {
    out << "usage: sendwarden [-c FILE] COMMAND [ARGS]\n\ncommands:\n";
    for (const auto& c : kCommands) out << "  " << c.words << "\n      " << c.summary << "\n";
    out << "\n" << desc;
}

// Global options end at the first word that is not one of them (or its
// value): that word is the command and the rest is the command's.
std::size_t command_index(int argc, char** argv) {
    int i = 1;
    while (i < argc) {
        std::string a = argv[i];
        if (a == "-c" || a == "--config") i += 2;
        else if (a.rfind("--config=", 0) == 0 || (a.rfind("-c", 0) == 0 && a.size() > 2) || a == "-h" ||
                 a == "--help" || a == "--version")
            i += 1;
        else break;
    }
    return static_cast<std::size_t>(std::min(i, argc));
}

}  // namespace

int main(int argc, char** argv) {
    sw::log::init("sendwarden", {.to_syslog = false, .to_stderr = true, .capture = {}});
    std::string config_file;
    po::options_description desc("options");
    desc.add_options()("help,h", "show this help")("version", "show the version")(
        "config,c", po::value(&config_file)->default_value(SW_CONFIG_FILE), "configuration file");
    std::size_t cmd_at = command_index(argc, argv);
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(static_cast<int>(cmd_at), argv, desc), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "sendwarden: " << e.what() << "\n";
        usage(std::cerr, desc);
        return EX_USAGE;
    }
    if (vm.count("version")) {
        std::cout << "sendwarden " PACKAGE_VERSION "\n";
        return 0;
    }
    if (cmd_at >= static_cast<std::size_t>(argc)) {
        bool help = vm.count("help") > 0;
        usage(help ? std::cout : std::cerr, desc);
        return help ? 0 : EX_USAGE;
    }
    std::string command = argv[cmd_at];
    std::vector<std::string> rest(argv + cmd_at + 1, argv + argc);
    for (const auto& c : kCommands) {
        if (command == c.words) return c.run({config_file, rest});
    }
    std::cerr << "sendwarden: unknown command '" << command << "'\n";
    usage(std::cerr, desc);
    return EX_USAGE;
}
