// What every `sendwarden` command gets: the config file path and the
// arguments after the command name. Commands return a process exit status.
#pragma once

#include <string>
#include <vector>

namespace sw::cli {

struct CliContext {
    std::string config_file;
    std::vector<std::string> args;  // after the command words
};

int cmd_check_config(const CliContext& ctx);
int cmd_limits_status(const CliContext& ctx);
int cmd_keygen(const CliContext& ctx);
int cmd_keys(const CliContext& ctx);
int cmd_spf(const CliContext& ctx);
int cmd_dns_check(const CliContext& ctx);
int cmd_suppress(const CliContext& ctx);
int cmd_ingest(const CliContext& ctx);
int cmd_org(const CliContext& ctx);
int cmd_stats(const CliContext& ctx);
int cmd_dmarc(const CliContext& ctx);
int cmd_audit(const CliContext& ctx);

}  // namespace sw::cli
