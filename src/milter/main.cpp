// sendwarden-milter: wiring only. Reads the config, checks the signing table
// and keys, opens the milter socket as root, drops privileges, loads the
// keys again as the user it runs as (so a reload, which runs as that user,
// sees what start-up saw), then serves (MilterServer). SIGUSR1 or SIGHUP
// reloads config, signing table and keys (a bad file keeps the old
// snapshot); SIGTERM/SIGINT stop after the messages in progress (5 s at most).
#include "config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>


#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "core/config/config_file.hpp"
#include "core/dkim/from_address.hpp"
#include "core/log/msg.hpp"
#include "core/sent/sent_index.hpp"
#include "core/store/counters_db.hpp"
#include "core/util/daemon.hpp"
#include "core/util/privileges.hpp"
#include "core/util/service_notify.hpp"
#include "milter/milter_server.hpp"
#include "milter/milter_signals.hpp"

namespace {

using namespace sw;

std::string host_name() {
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return "localhost";
    return buf;
}

void log_stats(milter::MilterRuntime& rt) {
    auto& s = rt.stats();
    auto c = rt.caps().counts();
    auto n = [](const std::atomic<std::uint64_t>& a) { return static_cast<unsigned long long>(a.load()); };
    msg_info("statistics: sessions=%llu refused_sessions=%llu messages=%llu signed=%llu signatures=%llu "
             "unsigned_outbound=%llu sign_errors=%llu spf_pass=%llu spf_fail=%llu spf_softfail=%llu "
             "spf_neutral=%llu spf_none=%llu spf_temperror=%llu spf_permerror=%llu rejected=%llu tempfailed=%llu "
             "forged_ar_removed=%llu errors=%llu sent_index_errors=%llu open_sessions=%llu peak_sessions=%llu",
             n(s.sessions), n(s.sessions_refused), n(s.messages), n(s.signed_messages), n(s.signatures),
             n(s.unsigned_outbound), n(s.sign_errors), n(s.spf_pass), n(s.spf_fail), n(s.spf_softfail),
             n(s.spf_neutral), n(s.spf_none), n(s.spf_temperror), n(s.spf_permerror), n(s.rejected),
             n(s.tempfailed), n(s.forged_ar_removed), n(s.errors), n(s.sent_index_errors), static_cast<unsigned long long>(c.global),
             static_cast<unsigned long long>(c.peak_global));
}

std::size_t signing_keys(const milter::MilterState& st) { return st.signing ? st.signing->entries().size() : 0; }

// SIGHUP/SIGUSR1: a new config, signing table and keys, or the old ones kept.
void reload(milter::MilterRuntime& runtime, const std::string& config_file, const std::string& host) {
    auto fresh = config::load_config(config_file);
    if (!fresh.config) {
        for (const auto& e : fresh.errors) msg_error("reload: %s", e.c_str());
        msg_error("reload failed: keeping the signing table and keys in force");
        return;
    }
    auto state = milter::build_state(fresh.config, host);
    if (!state.state) {
        for (const auto& e : state.errors) msg_error("reload: %s", e.c_str());
        msg_error("reload failed: keeping the signing table and keys in force");
        return;
    }
    auto old = runtime.state();
    if (fresh.config->milter_socket != old->config->milter_socket ||
        fresh.config->milter_user != old->config->milter_user)
        msg_warn("reload: changes to socket or user take effect after a restart");
    log::set_facility(fresh.config->global_syslog_facility);
    runtime.replace_state(state.state);
    msg_info("reload: %zu signing keys in force", signing_keys(*state.state));
}

}  // namespace

int main(int argc, char** argv) {
    DaemonOptions opts = parse_daemon_args("sendwarden-milter", PACKAGE_VERSION, SW_CONFIG_FILE, argc, argv);
    // Before any thread exists (libunbound's, ours), so that every thread
    // inherits the mask and the signals reach the SignalThread only.
    milter::block_our_signals();
    log::init("sendwarden-milter", {.to_syslog = true, .to_stderr = !service::stderr_is_journal(), .capture = {}});
    sw::dkim::init_mime_library();

    auto loaded = config::load_config(opts.config_file);
    if (!loaded.config) exit_with_config_errors(loaded.errors);
    auto cfg = loaded.config;
    log::set_facility(cfg->global_syslog_facility);
    const std::string host = host_name();
    auto socket = milter::parse_milter_socket(cfg->milter_socket);
    if (!socket) exit_with_config_errors({cfg->path + ": [milter] socket: " + socket.error()});

    bool is_root = geteuid() == 0;
    std::optional<RunAs> run_as;
    if (!cfg->milter_user.empty()) {
        if (!is_root) msg_info("user = %s ignored: not started as root", cfg->milter_user.c_str());
        else {
            auto who = lookup_user(cfg->milter_user);
            if (!who) exit_with_config_errors({cfg->path + ": [milter] user: " + who.error()});
            run_as = *who;
        }
    }
    int sock_uid = run_as ? static_cast<int>(run_as->uid) : -1;
    int sock_gid = run_as ? static_cast<int>(run_as->gid) : -1;
    if (!cfg->milter_socket_group.empty()) {
        auto gid = lookup_group(cfg->milter_socket_group);
        if (!gid) exit_with_config_errors({cfg->path + ": [milter] socket_group: " + gid.error()});
        sock_gid = static_cast<int>(*gid);
    }

    // Everything checkable is checked before detaching, on the terminal.
    {
        auto first = milter::build_state(cfg, host);
        if (!first.state) exit_with_config_errors(first.errors);
    }
    if (!opts.foreground) {
        daemonize();
        log::init("sendwarden-milter", {.to_syslog = true, .to_stderr = false, .capture = {}});
    }
    std::signal(SIGPIPE, SIG_IGN);

    constexpr std::uint64_t kMaxThreads = 1024;
    auto threads = static_cast<unsigned>(std::min(cfg->milter_threads, kMaxThreads));
    auto lookup_threads = static_cast<unsigned>(std::min(cfg->milter_lookup_threads, kMaxThreads));
    milter::MilterServer server(threads, lookup_threads);
    if (auto r = server.listen(*socket, static_cast<unsigned>(cfg->milter_socket_mode), sock_uid, sock_gid); !r)
        msg_fatal("cannot open the milter socket %s", r.error().c_str());
    const std::string path = socket->unix_socket ? socket->path : std::string();
    if (run_as) {
        if (auto r = drop_privileges(*run_as); !r) msg_fatal("cannot drop privileges: %s", r.error().c_str());
        msg_info("running as %s (uid %u)", cfg->milter_user.c_str(), run_as->uid);
    }

    // Keys are read again as the user we now are: what a reload will see.
    auto built = milter::build_state(cfg, host);
    if (!built.state) {
        for (const auto& e : built.errors) msg_error("%s", e.c_str());
        if (!path.empty()) unlink(path.c_str());
        msg_fatal("cannot load the signing keys as user %s; not starting",
                  cfg->milter_user.empty() ? "(unchanged)" : cfg->milter_user.c_str());
    }
    if (built.signing_missing)
        msg_warn("%s/signing does not exist: no mail will be signed", cfg->global_policy_dir.c_str());

    auto lib = sw::dkim::DkimLib::create();
    if (!lib) msg_fatal("%s", lib.error().c_str());
    milter::MilterRuntime runtime(std::move(*lib), built.state);

    // Outbound Message-IDs go to the sent index (in the counters
    // environment) for bounce attribution; signing works without it.
    std::unique_ptr<store::CountersDb> counters;
    std::unique_ptr<sent::SentIndex> sent_index;
    try {
        counters = store::CountersDb::open(cfg->store_state_dir, cfg->store_counters_max_size);
        sent_index = std::make_unique<sent::SentIndex>(counters->env());
        runtime.set_sent_index(sent_index.get());
    } catch (const std::exception& e) {
        msg_warn("cannot open the sent index in %s: %s; Message-IDs are not recorded (bounces are then attributed "
                 "by queue id only)",
                 cfg->store_state_dir.c_str(), e.what());
    }

    const std::string config_file = opts.config_file;
    milter::SignalThread signals(
        [&runtime, config_file, host] {
            service::reloading();
            reload(runtime, config_file, host);
            service::reloaded("milter, " + std::to_string(signing_keys(*runtime.state())) + " signing keys");
        },
        [&server] {
            service::stopping();
            server.stop();
        },
        [&runtime] { log_stats(runtime); }, std::chrono::minutes(10), [&server] { server.ping_loops(service::watchdog); },
        service::watchdog_interval().value_or(std::chrono::microseconds(0)));

    msg_info("ready: %s, %zu signing keys, spf engine %s", cfg->milter_socket.c_str(), signing_keys(*built.state),
             cfg->milter_spf_engine.c_str());
    service::ready("milter on " + cfg->milter_socket + ", " + std::to_string(signing_keys(*built.state)) +
                   " signing keys");
    server.run(runtime);
    log_stats(runtime);
    msg_info("stopped");
    return 0;
}
