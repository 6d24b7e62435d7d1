// SignalThread; see milter_signals.hpp.
#include "milter/milter_signals.hpp"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>

namespace sw::milter {
namespace {

sigset_t our_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    return set;
}

}  // namespace

void block_our_signals() {
    sigset_t set = our_signals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

SignalThread::SignalThread(std::function<void()> on_reload, std::function<void()> on_stop,
                           std::function<void()> on_stats, std::chrono::seconds stats_every,
                           std::function<void()> on_tick, std::chrono::microseconds tick_every)
    : on_reload_(std::move(on_reload)),
      on_stop_(std::move(on_stop)),
      on_stats_(std::move(on_stats)),
      every_(stats_every),
      on_tick_(std::move(on_tick)),
      tick_every_(tick_every) {
    block_our_signals();
    thread_ = std::thread([this] { run(); });
}

SignalThread::~SignalThread() {
    if (thread_.joinable()) {
        pthread_kill(thread_.native_handle(), SIGUSR2);
        thread_.join();
    }
}

void SignalThread::run() {
    using Clock = std::chrono::steady_clock;
    sigset_t set = our_signals();
    auto next_stats = Clock::now() + every_;
    const bool ticking = on_tick_ && tick_every_.count() > 0;
    auto next_tick = Clock::now();
    while (true) {
        auto now = Clock::now();
        if (ticking && now >= next_tick) {
            on_tick_();
            next_tick = now + tick_every_;
            continue;
        }
        if (now >= next_stats) {
            on_stats_();
            next_stats = Clock::now() + every_;
            continue;
        }
        auto left = (ticking ? std::min(next_stats, next_tick) : next_stats) - now;
        auto secs = std::chrono::duration_cast<std::chrono::seconds>(left);
        timespec ts{static_cast<time_t>(secs.count()),
                    static_cast<long>(std::chrono::duration_cast<std::chrono::nanoseconds>(left - secs).count())};
        int sig = sigtimedwait(&set, nullptr, &ts);
        if (sig == SIGUSR1 || sig == SIGHUP) on_reload_();
        else if (sig == SIGTERM || sig == SIGINT) on_stop_();
        else if (sig == SIGUSR2) return;
        // EAGAIN (timeout) and EINTR loop round
    }
}

}  // namespace sw::milter
