// FakeClock: a Clock the test moves by hand; tests never sleep.
#pragma once

#include "core/util/clock.hpp"

namespace sw::test {

class FakeClock final : public Clock {
public:
    explicit FakeClock(Micros start = 1'700'000'000LL * kMicrosPerSecond) : now_(start) {}
    Micros now() const override { return now_; }
    void advance(Micros d) { now_ += d; }
    void advance_seconds(double s) { now_ += static_cast<Micros>(s * kMicrosPerSecond); }
    void set(Micros t) { now_ = t; }

private:
    Micros now_;
};

}  // namespace sw::test
