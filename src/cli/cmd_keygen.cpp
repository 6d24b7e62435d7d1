// `sendwarden keygen --domain D --selector S [--algorithm A] [--dir DIR]`:
// writes a new DKIM private key and prints the DNS record to publish and the
// signing-table line to add. A thin shell over core's write_new_key().
// Audited: the key file, domain, selector and algorithm, never the key.
#include <boost/program_options.hpp>

#include <sysexits.h>

#include <iostream>

#include "cli/cli_context.hpp"
#include "cli/cli_options.hpp"
#include "cli/cli_state.hpp"
#include "core/config/config_file.hpp"
#include "core/dkim/dkim_record.hpp"
#include "core/dkim/key_rotation.hpp"
#include "core/util/strings.hpp"

namespace po = boost::program_options;

namespace sw::cli {

int cmd_keygen(const CliContext& ctx) {
    std::string domain, selector, algorithm = "rsa-2048", dir;
    po::options_description desc(
        "usage: sendwarden [-c FILE] keygen --domain D --selector S [--algorithm rsa-2048|rsa-4096|ed25519] [--dir DIR]");
    desc.add_options()("help,h", "show this help")("domain", po::value(&domain), "the signing domain (d=)")(
        "selector", po::value(&selector), "the selector (s=), e.g. s2026r")(
        "algorithm", po::value(&algorithm), "rsa-2048 (default), rsa-4096 or ed25519")(
        "dir", po::value(&dir), "where to write SELECTOR.private (default: [milter] key_dir/DOMAIN)");
    po::variables_map vm;
    if (auto done = parse_command_options(ctx.args, desc, "keygen", vm)) return *done;
    domain = to_lower(domain);
    if (domain.empty() || selector.empty()) {
        std::cerr << "sendwarden keygen: --domain and --selector are required\n" << desc;
        return EX_USAGE;
    }
    if (selector.find_first_of("/ \t") != std::string::npos || selector[0] == '.' ||
        domain.find_first_of("/ \t") != std::string::npos) {
        std::cerr << "sendwarden keygen: bad domain or selector\n";
        return EX_USAGE;
    }
    dkim::Algorithm alg = dkim::Algorithm::RsaSha256;
    int bits = 2048;
    if (algorithm == "rsa-2048") bits = 2048;
    else if (algorithm == "rsa-4096") bits = 4096;
    else if (algorithm == "ed25519") alg = dkim::Algorithm::Ed25519Sha256;
    else {
        std::cerr << "sendwarden keygen: --algorithm must be rsa-2048, rsa-4096 or ed25519\n";
        return EX_USAGE;
    }
    if (dir.empty()) {
        auto loaded = config::load_config(ctx.config_file);
        if (!loaded.config) {
            for (const auto& e : loaded.errors) std::cerr << e << "\n";
            std::cerr << "sendwarden keygen: give --dir, or fix the configuration for [milter] key_dir\n";
            return EX_CONFIG;
        }
        dir = loaded.config->milter_key_dir + "/" + domain;
    }
    auto key = dkim::write_new_key(dir, selector, alg, bits);
    if (!key) {
        std::cerr << "sendwarden keygen: " << key.error() << "\n";
        return EX_CANTCREAT;
    }
    audit_outside_state(ctx, "keygen",
                        "keygen domain=" + domain + " selector=" + selector + " algorithm=" + algorithm +
                            " key=" + key->path,
                        "", {{"domain", domain}, {"selector", selector}, {"algorithm", algorithm}, {"key", key->path}});
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", key->mode);
    std::cout << "; private key: " << key->path << " (mode " << mode
              << (key->group.empty() ? "" : ", group " + key->group) << ")\n"
              << "; 1. publish this record in the zone of " << domain << ":\n"
              << dkim::zone_file_line(selector, domain, dkim::key_record_value(key->info)) << "\n"
              << "; 2. add this line to the signing table (standby until the record is published), then reload:\n"
              << "; " << domain << " " << selector << " " << dkim::to_string(alg) << " " << key->path << " standby\n"
              << "; 3. when DNS serves the record: sendwarden keys activate --domain " << domain << " --selector "
              << selector << "\n";
    return 0;
}

}  // namespace sw::cli
