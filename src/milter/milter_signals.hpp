// The milter's signal thread: SIGUSR1 and SIGHUP reload, SIGTERM and SIGINT
// stop, caught with sigtimedwait() (all of them are blocked in every thread:
// block_our_signals()). The same thread logs the periodic statistics and,
// under systemd with WatchdogSec=, runs the watchdog check.
// SIGUSR2 is how the destructor ends it.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace sw::milter {

// Blocks, in the calling thread, the signals the SignalThread waits for.
// main() calls it first, before anything can start a thread (the DNS
// resolver of build_state starts two), so that every thread inherits the
// mask: a thread that does not block one of these would take it in place of
// the thread that waits for it, and the default action ends the process (no
// reload; no clean stop, no final statistics).
void block_our_signals();

class SignalThread {
public:
    // Starts the waiting thread (the signals must already be blocked in
    // every thread: block_our_signals()).
    SignalThread(std::function<void()> on_reload, std::function<void()> on_stop, std::function<void()> on_stats,
                 std::chrono::seconds stats_every, std::function<void()> on_tick = {},
                 std::chrono::microseconds tick_every = {});  // on_tick every tick_every: the systemd watchdog
    ~SignalThread();  // stops and joins
    SignalThread(const SignalThread&) = delete;
    SignalThread& operator=(const SignalThread&) = delete;

private:
    void run();
    std::function<void()> on_reload_, on_stop_, on_stats_;
    std::chrono::seconds every_;
    std::function<void()> on_tick_;
    std::chrono::microseconds tick_every_{0};
    std::thread thread_;
};

}  // namespace sw::milter
