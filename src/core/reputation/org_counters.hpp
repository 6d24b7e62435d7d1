// OrgCounters: per-org counts per hour (messages sent, hard and soft
// bounces, complaints, unmatched reports), summed over a sliding window for
// the bounce and complaint rates (issue "Rates and automatic pause"). In the
// counters environment like the sent index: an increment is a few stores
// into the map, no fsync.
//
// Database "org_hourly": key = org | NUL | be64(hour since the epoch)
//                        value = version(1)=1 | 6 x u64 (host order), in the order of Counts
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/store/lmdb_env.hpp"
#include "core/util/result.hpp"

namespace sw::reputation {

struct Counts {
    std::uint64_t sent = 0;         // messages accepted
    std::uint64_t rcpts = 0;        // their recipients: the rates' denominator
    std::uint64_t hard = 0;         // hard-bounced recipients of matched bounces
    std::uint64_t soft = 0;         // soft-bounced recipients of matched bounces
    std::uint64_t complaints = 0;   // matched complaints
    std::uint64_t unmatched = 0;    // bounces and complaints with no sent record
    Counts& operator+=(const Counts& o);
};

class OrgCounters {
public:
    explicit OrgCounters(store::lmdb::Env& env);

    // Adds `delta` to the hour of `now` (Unix seconds) of `org` ("" = no org).
    Result<void> add(const std::string& org, std::int64_t now, const Counts& delta);
    // Sum over the hours that overlap [now - window, now].
    Counts window(const std::string& org, std::int64_t now, std::int64_t window_secs) const;
    // The same for every org that has counts in the window.
    std::map<std::string, Counts> window_all(std::int64_t now, std::int64_t window_secs) const;
    // Looks at up to `max` hours, removing those that ended before `before`;
    // the next call goes on from there (sweep_done() says when it wrapped).
    Result<std::size_t> prune(std::int64_t before, std::size_t max);
    bool sweep_done() const { return resume_.empty(); }

private:
    store::lmdb::Env& env_;
    MDB_dbi hourly_ = 0;
    std::string resume_;
};

}  // namespace sw::reputation
