// SignalThread; see milter_signals.hpp.
#include "milter/milter_signals.hpp"

#include <pthread.h>
#include <signal.h>

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
                           std::function<void()> on_stats, std::chrono::seconds stats_every)
    : on_reload_(std::move(on_reload)),
      on_stop_(std::move(on_stop)),
      on_stats_(std::move(on_stats)),
      every_(stats_every) {
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
    sigset_t set = our_signals();
    auto next_stats = std::chrono::steady_clock::now() + every_;
    while (true) {
        auto left = next_stats - std::chrono::steady_clock::now();
        if (left <= std::chrono::steady_clock::duration::zero()) {
            on_stats_();
            next_stats = std::chrono::steady_clock::now() + every_;
            continue;
        }
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
