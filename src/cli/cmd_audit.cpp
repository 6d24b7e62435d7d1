// `sendwarden audit [--json]`: the audit trail, i.e. the "audit" events that
// the state-changing commands append to the data environment (cli_state.hpp),
// oldest first. Reads only; the events are never rewritten (data_db.cpp).
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include <ctime>
#include <iostream>

#include "cli/cli_context.hpp"
#include "cli/cli_options.hpp"
#include "cli/cli_state.hpp"

namespace po = boost::program_options;

namespace sw::cli {
namespace {

std::string utc_time(Micros t) {
    std::time_t s = static_cast<std::time_t>(t / 1000000);
    std::tm tm{};
    gmtime_r(&s, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace

int cmd_audit(const CliContext& ctx) {
    bool json = false;
    po::options_description desc("usage: sendwarden [-c FILE] audit [--json]");
    desc.add_options()("help,h", "show this help")("json", po::bool_switch(&json), "one JSON object per event");
    po::variables_map vm;
    if (auto done = parse_command_options(ctx.args, desc, "audit", vm)) return *done;
    auto opened = open_state(ctx, "audit");
    if (auto* rc = std::get_if<int>(&opened)) return *rc;
    auto& o = std::get<OpenedState>(opened);
    std::uint64_t after = 0;
    for (;;) {
        auto page = o.data->events_after(after, 1000);
        if (page.empty()) break;
        for (const auto& [id, e] : page) {
            after = id;
            if (e.type != "audit") continue;
            if (json) {
                nlohmann::json j = {{"id", id}, {"time", e.time / 1000000}, {"org", e.org}, {"body", e.body}};
                std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
                continue;
            }
            std::string who = e.body.value("user", "?");
            if (e.body.contains("sudo_user")) who += " sudo_user=" + e.body.value("sudo_user", "?");
            std::cout << id << " " << utc_time(e.time) << " user=" << who << " " << e.body.value("what", "?") << "\n";
        }
    }
    return 0;
}

}  // namespace sw::cli
