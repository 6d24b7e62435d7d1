// What the two daemons (sendwarden-policyd, sendwarden-milter) share before
// they serve: their command line (-c FILE, --foreground, --help,
// --version), the report of configuration errors (each on its own line,
// then exit EX_CONFIG, Postfix-style), and detaching from the terminal.
#pragma once

#include <string>
#include <vector>

namespace sw {

struct DaemonOptions {
    std::string config_file;
    bool foreground = false;
};

// Exits 0 after --help/--version, EX_USAGE on a bad command line.
DaemonOptions parse_daemon_args(const char* program, const char* version, const char* default_config, int argc,
                                char** argv);

[[noreturn]] void exit_with_config_errors(const std::vector<std::string>& errors);

// fork, setsid, stdin/stdout/stderr to /dev/null.
void daemonize();

}  // namespace sw
