// sw::Clock: the time source every rate computation takes, so tests inject a
// fake one and never sleep. Time is microseconds since the Unix epoch.
#pragma once

#include <cstdint>
#include <string>

namespace sw {

using Micros = std::int64_t;
constexpr Micros kMicrosPerSecond = 1'000'000;

class Clock {
public:
    virtual ~Clock() = default;
    virtual Micros now() const = 0;
};

// Wall clock (CLOCK_REALTIME): bucket timestamps are shared between processes
// and survive restarts, so a monotonic clock of one process would not do.
class SystemClock final : public Clock {
public:
    Micros now() const override;
    static const SystemClock& instance();
};

// "2026-11-24": the UTC day of a Unix time, for reports and replies.
std::string utc_date(std::int64_t unix_seconds);

}  // namespace sw
