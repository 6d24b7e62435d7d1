// Opening state for a command; see cli_state.hpp.
#include "cli/cli_state.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "core/config/config_file.hpp"
#include "core/log/msg.hpp"

namespace sw::cli {
namespace {

// Run as root, we may just have created data/ or counters/: they belong to
// whoever owns the state directory (the daemons' user), never to root.
void give_to_owner(const std::string& dir, const struct stat& st, const std::string& command) {
    if (geteuid() != 0 || st.st_uid == 0) return;
    for (const char* sub : {"data", "counters"}) {
        std::string d = dir + "/" + sub;
        std::error_code ec;
        if (!std::filesystem::exists(d, ec)) continue;
        for (const auto& entry : std::filesystem::recursive_directory_iterator(d, ec))
            if (chown(entry.path().c_str(), st.st_uid, st.st_gid) != 0) break;
        if (chown(d.c_str(), st.st_uid, st.st_gid) != 0)
            std::cerr << "sendwarden " << command << ": cannot give " << d << " to the owner of " << dir << "\n";
    }
}

}  // namespace

std::string unix_user() {
    if (const passwd* pw = getpwuid(getuid())) return pw->pw_name;
    return "uid " + std::to_string(getuid());
}

std::string sudo_user() {
    const char* v = std::getenv("SUDO_USER");
    if (!v || !*v) return "";
    // The environment is the caller's: keep the line one key=value field.
    std::string name;
    for (const char* c = v; *c && name.size() < 64; ++c)
        name += (std::isalnum(static_cast<unsigned char>(*c)) || std::strchr("._-@$", *c)) ? *c : '?';
    return name == unix_user() ? "" : name;
}

std::variant<OpenedState, int> open_state(const CliContext& ctx, const std::string& command, StateNeeds needs) {
    auto loaded = config::load_config(ctx.config_file);
    if (!loaded.config) {
        for (const auto& e : loaded.errors) std::cerr << e << "\n";
        return needs.config_error;
    }
    OpenedState o;
    o.cfg = loaded.config;
    // Changes and ingest decisions belong in the mail log like the daemons'
    // lines; the terminal still sees them when there is one.
    log::init("sendwarden", {.to_syslog = true, .to_stderr = true, .capture = {}});
    log::set_facility(o.cfg->global_syslog_facility);
    if (needs.policy) {
        auto p = config::load_policy(o.cfg->global_policy_dir, o.cfg->global_default_org);
        if (!p.policy) {
            for (const auto& e : p.errors) std::cerr << e << "\n";
            return needs.config_error;
        }
        o.policy = p.policy;
    }
    const std::string& dir = o.cfg->store_state_dir;
    struct stat st{};
    if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        std::cerr << "sendwarden " << command << ": the state directory " << dir
                  << " does not exist ([store] state_dir; the daemons create it at their first start)\n";
        return needs.config_error;
    }
    try {
        o.data = store::DataDb::open(dir, o.cfg->store_data_max_size);
        if (needs.counters) o.counters = store::CountersDb::open(dir, o.cfg->store_counters_max_size);
    } catch (const std::exception& e) {
        std::cerr << "sendwarden " << command << ": cannot open the state in " << dir << ": " << e.what() << "\n";
        return EX_TEMPFAIL;
    }
    give_to_owner(dir, st, command);
    return o;
}

namespace {

// The audit line; the body gets who and what.
void audit_line(const std::string& what, nlohmann::json& body) {
    const std::string who = unix_user(), via = sudo_user();
    msg_info("audit: user=%s%s%s %s", who.c_str(), via.empty() ? "" : " sudo_user=", via.c_str(), what.c_str());
    body["user"] = who;
    if (!via.empty()) body["sudo_user"] = via;
    body["what"] = what;
}

}  // namespace

void audit(store::DataDb& db, const std::string& command, const std::string& what, const std::string& org,
           nlohmann::json body) {
    audit_line(what, body);
    events::Event e;
    e.type = "audit";
    e.time = static_cast<Micros>(std::time(nullptr)) * 1000000;
    e.org = org;
    e.body = std::move(body);
    if (auto r = db.append({e}); !r)
        std::cerr << "sendwarden " << command << ": audit event not recorded: " << r.error() << "\n";
}

void audit_outside_state(const CliContext& ctx, const std::string& command, const std::string& what,
                         const std::string& org, nlohmann::json body) {
    auto loaded = config::load_config(ctx.config_file);
    std::string why;
    struct stat st{};
    if (!loaded.config) why = "the configuration " + ctx.config_file + " cannot be used";
    else if (stat(loaded.config->store_state_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        why = "no state directory " + loaded.config->store_state_dir + " yet";
    if (why.empty()) {
        auto opened = open_state(ctx, command);
        if (auto* o = std::get_if<OpenedState>(&opened)) {
            audit(*o->data, command, what, org, std::move(body));
            return;
        }
        why = "the state cannot be opened";
    }
    log::init("sendwarden", {.to_syslog = true, .to_stderr = true, .capture = {}});
    if (loaded.config) log::set_facility(loaded.config->global_syslog_facility);
    audit_line(what, body);
    std::cerr << "sendwarden " << command << ": audit event not recorded: " << why << " (the line above is logged)\n";
}

}  // namespace sw::cli
