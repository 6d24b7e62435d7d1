// Thresholds and the pure judgement of an org's bounce and complaint rates
// (issue "Rates and automatic pause"): [reputation] defaults, overridden per
// org by the org_settings policy file.
#pragma once

#include <cstdint>
#include <string>

#include "core/config/config.hpp"
#include "core/config/policy.hpp"
#include "core/reputation/org_counters.hpp"

namespace sw::reputation {

struct Thresholds {
    std::int64_t window_secs = 24 * 3600;
    std::uint64_t min_volume = 100;
    double bounce_warn = 0.05, bounce_pause = 0.10;
    double complaint_warn = 0.001, complaint_pause = 0.005;
    std::string pause_action = "hold";  // or "defer"
};

Thresholds thresholds_for(const std::string& org, const config::Config& cfg, const config::Policy& policy);

enum class Level { Ok, Warn, Pause };

struct Assessment {
    Level level = Level::Ok;
    double bounce_rate = 0, complaint_rate = 0;  // 0 when nothing was sent
    bool judged = false;                         // sent >= min_volume
    std::string why;  // "bounce rate 12.0% >= 10.0%", empty when Ok
};

// Rates = hard bounces / sent recipients and complaints / sent recipients
// (messages when no recipient count is known); judged only from min_volume
// messages on. The worse of the two decides.
Assessment assess(const Counts& c, const Thresholds& t);

// "12.3%" style, for messages.
std::string percent(double fraction);

}  // namespace sw::reputation
