// SystemClock: CLOCK_REALTIME in microseconds.
#include "core/util/clock.hpp"

#include <ctime>

namespace sw {

Micros SystemClock::now() const {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<Micros>(ts.tv_sec) * kMicrosPerSecond + ts.tv_nsec / 1000;
}

std::string utc_date(std::int64_t unix_seconds) {
    std::time_t t = unix_seconds;
    std::tm tm{};
    char buf[16] = "-";
    if (gmtime_r(&t, &tm)) std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

const SystemClock& SystemClock::instance() {
    static const SystemClock clock;
    return clock;
}

}  // namespace sw
