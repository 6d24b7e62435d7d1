// sendwarden-policyd: wiring only. Reads the config and policy, binds the
// listeners as root, opens the state, drops privileges, then runs the Asio
// loop: SIGHUP reloads the policy (a broken file keeps the old one),
// SIGTERM/SIGINT stop. The decisions live in core and policy_decide.cpp.
#include "config.h"

#include <utility>  // before Asio: Boost 1.74 awaitable.hpp uses std::exchange unincluded
#include <boost/asio.hpp>

#include <sys/stat.h>
#include <fcntl.h>
#include <sysexits.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "core/config/config_file.hpp"
#include "core/config/policy.hpp"
#include "core/log/msg.hpp"
#include "core/store/counters_db.hpp"
#include "core/store/data_db.hpp"
#include "core/util/daemon.hpp"
#include "core/util/privileges.hpp"
#include "core/util/service_notify.hpp"
#include "policyd/policy_decide.hpp"
#include "policyd/policy_server.hpp"

namespace asio = boost::asio;

namespace {

using namespace sw;

// State created by root must stay usable by the user we become.
void chown_state(const std::string& state_dir, const RunAs& who) {
    namespace fs = std::filesystem;
    std::error_code ec;
    for (const char* sub : {"counters", "data"}) {
        fs::path dir = fs::path(state_dir) / sub;
        if (chown(dir.c_str(), who.uid, who.gid) != 0) msg_warn("chown %s: %s", dir.c_str(), std::strerror(errno));
        for (const auto& f : fs::directory_iterator(dir, ec))
            if (chown(f.path().c_str(), who.uid, who.gid) != 0)
                msg_warn("chown %s: %s", f.path().c_str(), std::strerror(errno));
    }
}

std::string ready_status(const policyd::PolicyDecider& decider) {
    const auto& p = decider.policy();
    std::string listen;
    for (const auto& l : p.config->policyd_listen) listen += (listen.empty() ? "" : " ") + l;
    return "policy service on " + listen + ", " + std::to_string(p.policy->limits.rules().size()) + " limits";
}

void log_stats(const policyd::DecisionStats& s, std::size_t connections) {
    msg_info("statistics: requests=%llu dunno=%llu defer=%llu reject=%llu hold=%llu warn=%llu dry_run_hits=%llu "
             "bad_requests=%llu store_errors=%llu suppressed=%llu paused=%llu sent_recorded=%llu connections=%zu",
             static_cast<unsigned long long>(s.requests), static_cast<unsigned long long>(s.dunno),
             static_cast<unsigned long long>(s.defer), static_cast<unsigned long long>(s.reject),
             static_cast<unsigned long long>(s.hold), static_cast<unsigned long long>(s.warn),
             static_cast<unsigned long long>(s.dry_run_hits), static_cast<unsigned long long>(s.bad_requests),
             static_cast<unsigned long long>(s.store_errors), static_cast<unsigned long long>(s.suppressed),
             static_cast<unsigned long long>(s.paused), static_cast<unsigned long long>(s.sent_recorded), connections);
}

}  // namespace

int main(int argc, char** argv) {
    DaemonOptions opts = parse_daemon_args("sendwarden-policyd", PACKAGE_VERSION, SW_CONFIG_FILE, argc, argv);
    log::init("sendwarden-policyd", {.to_syslog = true, .to_stderr = !service::stderr_is_journal(), .capture = {}});

    auto loaded = config::load_config(opts.config_file);
    if (!loaded.config) exit_with_config_errors(loaded.errors);
    auto cfg = loaded.config;
    log::set_facility(cfg->global_syslog_facility);
    auto policy = config::load_policy(cfg->global_policy_dir, cfg->global_default_org);
    if (!policy.policy) exit_with_config_errors(policy.errors);

    // Who we become, and who owns the sockets.
    bool is_root = geteuid() == 0;
    std::optional<RunAs> run_as;
    if (!cfg->policyd_user.empty()) {
        if (!is_root) {
            msg_info("user = %s ignored: not started as root", cfg->policyd_user.c_str());
        } else {
            auto who = lookup_user(cfg->policyd_user);
            if (!who) exit_with_config_errors({cfg->path + ": [policyd] user: " + who.error()});
            run_as = *who;
        }
    }
    int sock_uid = run_as ? static_cast<int>(run_as->uid) : -1;
    int sock_gid = run_as ? static_cast<int>(run_as->gid) : -1;
    if (!cfg->policyd_socket_group.empty()) {
        auto gid = lookup_group(cfg->policyd_socket_group);
        if (!gid) exit_with_config_errors({cfg->path + ": [policyd] socket_group: " + gid.error()});
        sock_gid = static_cast<int>(*gid);
    }

    // Everything that can be checked is checked before detaching, so a
    // bad start is reported on the terminal. LMDB must be opened after fork.
    if (!opts.foreground) {
        daemonize();
        log::init("sendwarden-policyd", {.to_syslog = true, .to_stderr = false, .capture = {}});
    }
    std::signal(SIGPIPE, SIG_IGN);

    std::unique_ptr<store::CountersDb> counters;
    std::unique_ptr<store::DataDb> data;
    try {
        std::filesystem::create_directories(cfg->store_state_dir);
        counters = store::CountersDb::open(cfg->store_state_dir, cfg->store_counters_max_size);
        data = store::DataDb::open(cfg->store_state_dir, cfg->store_data_max_size);
    } catch (const std::exception& e) {
        msg_fatal("cannot open state in %s: %s", cfg->store_state_dir.c_str(), e.what());
    }

    // One thread does everything, so Asio may skip its internal locking.
    asio::io_context io(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE);
    policyd::PolicyDecider decider(*counters, *data, SystemClock::instance());
    decider.set_policy({cfg, policy.policy});
    suppress::SuppressionStore suppressions(*data);
    decider.set_suppressions(&suppressions);
    sent::SentIndex sent_index(counters->env());
    reputation::OrgCounters org_counters(counters->env());
    reputation::OrgStateStore org_states(*data);
    decider.set_sending_state({&sent_index, &org_counters, &org_states});
    policyd::PolicyServer server(io, decider);
    if (auto r = server.listen(cfg->policyd_listen, cfg->policyd_socket_mode, sock_uid, sock_gid); !r)
        msg_fatal("%s", r.error().c_str());

    if (run_as) {
        chown_state(cfg->store_state_dir, *run_as);
        if (auto r = drop_privileges(*run_as); !r) msg_fatal("cannot drop privileges: %s", r.error().c_str());
        msg_info("running as %s (uid %u)", cfg->policyd_user.c_str(), run_as->uid);
    }

    asio::signal_set stop_signals(io, SIGTERM, SIGINT);
    stop_signals.async_wait([&](boost::system::error_code ec, int sig) {
        if (ec) return;
        msg_info("signal %d: stopping", sig);
        service::stopping();
        server.stop();
        io.stop();
    });

    asio::signal_set hup(io, SIGHUP);
    std::function<void()> wait_hup = [&] {
        hup.async_wait([&](boost::system::error_code ec, int) {
            if (ec) return;
            service::reloading();
            auto fresh = config::load_config(opts.config_file);
            if (!fresh.config) {
                for (const auto& e : fresh.errors) msg_error("reload: %s", e.c_str());
                msg_error("reload failed: keeping the policy in force");
            } else {
                auto fresh_policy = config::load_policy(fresh.config->global_policy_dir, fresh.config->global_default_org);
                if (!fresh_policy.policy) {
                    for (const auto& e : fresh_policy.errors) msg_error("reload: %s", e.c_str());
                    msg_error("reload failed: keeping the policy in force");
                } else {
                    if (fresh.config->policyd_listen != decider.policy().config->policyd_listen ||
                        fresh.config->store_state_dir != decider.policy().config->store_state_dir ||
                        fresh.config->policyd_user != decider.policy().config->policyd_user)
                        msg_warn("reload: changes to listen, state_dir or user take effect after a restart");
                    log::set_facility(fresh.config->global_syslog_facility);
                    decider.set_policy({fresh.config, fresh_policy.policy});
                    msg_info("reload: %zu limits in force", fresh_policy.policy->limits.rules().size());
                }
            }
            service::reloaded(ready_status(decider));
            wait_hup();
        });
    };
    wait_hup();

    // The systemd watchdog is fed from this loop: if it wedges, the pings
    // stop and systemd restarts the service (WatchdogSec= in the unit).
    asio::steady_timer watchdog_timer(io);
    std::function<void()> feed_watchdog;
    if (auto every = service::watchdog_interval()) {
        feed_watchdog = [&, every = *every] {
            service::watchdog();
            watchdog_timer.expires_after(every);
            watchdog_timer.async_wait([&](boost::system::error_code ec) {
                if (!ec) feed_watchdog();
            });
        };
        feed_watchdog();
    }

    // Refilled buckets are removed in bounded steps, each its own write
    // transaction, with requests served in between.
    asio::steady_timer prune_timer(io);
    std::size_t pruned = 0, prune_left = 0;
    std::function<void()> schedule_prune;
    std::function<void()> prune_step = [&] {
        auto r = counters->prune(SystemClock::instance().now(), 20000);
        if (!r) msg_error("prune: %s", r.error().c_str());
        else pruned += *r;
        prune_left = (!r || prune_left <= 20000) ? 0 : prune_left - 20000;
        if (prune_left > 0) return asio::post(io, prune_step);
        if (pruned) msg_info("prune: removed %zu refilled buckets", pruned);
        schedule_prune();
    };
    schedule_prune = [&] {
        prune_timer.expires_after(std::chrono::microseconds(decider.policy().config->policyd_prune_interval));
        prune_timer.async_wait([&](boost::system::error_code ec) {
            if (ec) return;
            pruned = 0;
            prune_left = counters->bucket_count() + 1;
            prune_step();
        });
    };
    schedule_prune();

    // The sent index keeps [sent] retention; the hourly org counts twice the
    // longest window the rates or `stats` look at. Bounded steps again.
    asio::steady_timer sent_timer(io);
    std::function<void()> schedule_sent_prune = [&] {
        sent_timer.expires_after(std::chrono::microseconds(decider.policy().config->sent_prune_interval));
        sent_timer.async_wait([&](boost::system::error_code ec) {
            if (ec) return;
            const auto& c = *decider.policy().config;
            std::int64_t now = SystemClock::instance().now() / kMicrosPerSecond;
            std::size_t removed = 0;
            for (int step = 0; step < 1000; ++step) {
                auto r = sent_index.prune(now - c.sent_retention / kMicrosPerSecond, 5000);
                if (!r) { msg_error("sent index prune: %s", r.error().c_str()); break; }
                removed += *r;
                if (*r < 5000) break;
            }
            std::int64_t keep = std::max<std::int64_t>(2 * c.reputation_window / kMicrosPerSecond, 30 * 86400);
            do {
                auto r = org_counters.prune(now - keep, 20000);
                if (!r) { msg_error("org counters prune: %s", r.error().c_str()); break; }
            } while (!org_counters.sweep_done());
            if (removed) msg_info("prune: removed %zu sent-index entries", removed);
            schedule_sent_prune();
        });
    };
    schedule_sent_prune();

    // Periodic statistics, like Postfix's anvil.
    asio::steady_timer stats_timer(io);
    std::function<void()> schedule_stats = [&] {
        stats_timer.expires_after(std::chrono::minutes(10));
        stats_timer.async_wait([&](boost::system::error_code ec) {
            if (ec) return;
            log_stats(decider.stats(), server.connections());
            schedule_stats();
        });
    };
    schedule_stats();

    server.start();
    msg_info("ready: %zu limits, %zu org entries", policy.policy->limits.rules().size(), policy.policy->orgs.size());
    service::ready(ready_status(decider));
    io.run();
    log_stats(decider.stats(), server.connections());
    return 0;
}
