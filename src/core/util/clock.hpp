// sw::Clock: the time source every rate computation takes, so tests inject a
// fake one and never sleep. Time is microseconds since the Unix epoch.
#pragma once

#include <cstdint>

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

}  // namespace sw
