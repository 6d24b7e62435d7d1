// `sendwarden check-config [--defaults]`: validates sendwarden.conf (also
// the [milter] settings, as the milter checks them at start) and every
// policy file and key, prints each error as file:line: message, exits EX_CONFIG (78)
// when there is any. --defaults prints every setting with its default, like
// `postconf -d`.
#include <boost/program_options.hpp>

#include <sysexits.h>

#include <iostream>

#include "cli/cli_context.hpp"
#include "cli/cli_options.hpp"
#include "core/config/config_file.hpp"
#include "core/config/policy.hpp"
#include "core/dkim/signing_table.hpp"
#include "milter/milter_state.hpp"

namespace po = boost::program_options;

namespace sw::cli {

int cmd_check_config(const CliContext& ctx) {
    bool defaults = false;
    po::options_description desc("usage: sendwarden [-c FILE] check-config [--defaults]");
    desc.add_options()("help,h", "show this help")("defaults", po::bool_switch(&defaults),
                                                   "print every setting with its default");
    po::variables_map vm;
    if (auto done = parse_command_options(ctx.args, desc, "check-config", vm)) return *done;
    if (defaults) {
        std::string section;
        for (const auto& s : config::all_settings()) {
            if (section != s.section) {
                section = s.section;
                std::cout << (section == "global" ? "" : "\n") << "[" << section << "]\n";
            }
            std::cout << s.name << " = " << s.default_value << "\n";
        }
        return 0;
    }

    auto loaded = config::load_config(ctx.config_file);
    std::vector<std::string> errors = loaded.errors;
    std::size_t limits = 0, orgs = 0, keys = 0;
    if (loaded.config) {
        // the milter's snapshot: its settings, resolver, SPF engine, signing table and keys
        auto milter = milter::build_state(loaded.config, "localhost");
        errors.insert(errors.end(), milter.errors.begin(), milter.errors.end());
        if (milter.state && milter.state->signing) keys = milter.state->signing->entries().size();
        auto policy = config::load_policy(loaded.config->global_policy_dir, loaded.config->global_default_org);
        errors.insert(errors.end(), policy.errors.begin(), policy.errors.end());
        if (policy.policy) {
            limits = policy.policy->limits.rules().size();
            orgs = policy.policy->orgs.size();
        }
    }
    for (const auto& e : errors) std::cerr << e << "\n";
    if (!errors.empty()) {
        std::cerr << "sendwarden check-config: " << errors.size() << " error(s)\n";
        return EX_CONFIG;
    }
    std::cout << ctx.config_file << ": ok (" << limits << " limits, " << orgs << " org entries, " << keys
              << " signing keys)\n";
    return 0;
}

}  // namespace sw::cli
