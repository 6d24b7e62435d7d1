// The milter's own signal thread. libmilter's signal thread takes SIGHUP,
// SIGTERM and SIGINT, all of which stop the milter; so reloading is on
// SIGUSR1, caught here with sigwait() (SIGUSR1 and SIGUSR2 are blocked in
// every thread before smfi_main starts its threads). The same thread logs
// the periodic statistics. SIGUSR2 is how main() stops it.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace sw::milter {

// Blocks, in the calling thread, SIGUSR1 and SIGUSR2 (the SignalThread's)
// and SIGHUP, SIGTERM and SIGINT (libmilter's signal thread sigwait()s for
// them, but blocks them only when smfi_main() starts). main() calls it first,
// before anything can start a thread (the DNS resolver of build_state starts
// two), so that every thread inherits the mask: a thread that does not block
// one of these would take it in place of the thread that waits for it, and
// the default action ends the process (no reload; no clean stop, no final
// statistics).
void block_our_signals();

class SignalThread {
public:
    // Blocks SIGUSR1/SIGUSR2 in the calling thread (they must already be
    // blocked in every other thread: block_our_signals()) and starts the
    // waiting thread.
    SignalThread(std::function<void()> on_reload, std::function<void()> on_stats, std::chrono::seconds stats_every);
    ~SignalThread();  // stops and joins
    SignalThread(const SignalThread&) = delete;
    SignalThread& operator=(const SignalThread&) = delete;

private:
    void run();
    std::function<void()> on_reload_, on_stats_;
    std::chrono::seconds every_;
    std::thread thread_;
};

}  // namespace sw::milter
