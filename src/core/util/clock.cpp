// SystemClock: CLOCK_REALTIME in microseconds.
#include "core/util/clock.hpp"

#include <ctime>

namespace sw {

Micros SystemClock::now() const {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<Micros>(ts.tv_sec) * kMicrosPerSecond + ts.tv_nsec / 1000;
}

const SystemClock& SystemClock::instance() {
    static const SystemClock clock;
    return clock;
}

}  // namespace sw
