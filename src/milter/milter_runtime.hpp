// MilterRuntime: what all milter threads share for the life of the process:
// the libopendkim library handle, the exact session counts, the snapshot in
// force (replaced whole on reload) and the statistics counters.
#pragma once

#include <atomic>
#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>

#include "core/dkim/dkim_lib.hpp"
#include "core/limits/session_caps.hpp"
#include "core/sent/sent_index.hpp"
#include "milter/milter_state.hpp"

namespace sw::milter {

struct MilterStats {
    std::atomic<std::uint64_t> sessions{0}, sessions_refused{0}, messages{0};
    std::atomic<std::uint64_t> signed_messages{0}, signatures{0}, unsigned_outbound{0}, sign_errors{0};
    std::atomic<std::uint64_t> spf_pass{0}, spf_fail{0}, spf_softfail{0}, spf_neutral{0}, spf_none{0},
        spf_temperror{0}, spf_permerror{0};
    std::atomic<std::uint64_t> rejected{0}, tempfailed{0}, forged_ar_removed{0}, errors{0};
    std::atomic<std::uint64_t> sent_index_errors{0};
};

class MilterRuntime {
public:
    MilterRuntime(std::unique_ptr<dkim::DkimLib> lib, std::shared_ptr<const MilterState> state)
        : dkim_(std::move(lib)), caps_(state->session_limits), state_(std::move(state)) {}

    const dkim::DkimLib& dkim() const noexcept { return *dkim_; }
    limits::SessionCaps& caps() noexcept { return caps_; }
    MilterStats& stats() noexcept { return stats_; }
    // Where outbound Message-IDs are recorded (null: not recorded). LMDB
    // write transactions serialize themselves across threads and processes.
    sent::SentIndex* sent_index() const noexcept { return sent_index_; }
    void set_sent_index(sent::SentIndex* index) noexcept { sent_index_ = index; }
    // True at most once per 10 s: a full or broken state disk fails every
    // message's sent-index write, and one warning per message would flood
    // the log.
    bool take_store_warning(std::time_t now) noexcept {
        std::time_t last = last_store_warning_.load();
        return now - last >= 10 && last_store_warning_.compare_exchange_strong(last, now);
    }

    std::shared_ptr<const MilterState> state() const {
        std::lock_guard lock(mu_);
        return state_;
    }
    void replace_state(std::shared_ptr<const MilterState> fresh) {
        caps_.set_limits(fresh->session_limits);
        std::lock_guard lock(mu_);
        state_ = std::move(fresh);
    }

private:
    std::unique_ptr<dkim::DkimLib> dkim_;
    limits::SessionCaps caps_;
    MilterStats stats_;
    sent::SentIndex* sent_index_ = nullptr;
    std::atomic<std::time_t> last_store_warning_{0};
    mutable std::mutex mu_;
    std::shared_ptr<const MilterState> state_;
};

}  // namespace sw::milter
