// Thresholds; see thresholds.hpp.
#include "core/reputation/thresholds.hpp"

#include <cstdio>

namespace sw::reputation {

Thresholds thresholds_for(const std::string& org, const config::Config& cfg, const config::Policy& policy) {
    Thresholds t;
    t.window_secs = cfg.reputation_window / kMicrosPerSecond;
    t.min_volume = cfg.reputation_min_volume;
    t.bounce_warn = cfg.reputation_bounce_warn;
    t.bounce_pause = cfg.reputation_bounce_pause;
    t.complaint_warn = cfg.reputation_complaint_warn;
    t.complaint_pause = cfg.reputation_complaint_pause;
    t.pause_action = cfg.reputation_pause_action;
    const auto& o = policy.org_settings.of(org);
    if (o.min_volume) t.min_volume = *o.min_volume;
    if (o.bounce_warn) t.bounce_warn = *o.bounce_warn;
    if (o.bounce_pause) t.bounce_pause = *o.bounce_pause;
    if (o.complaint_warn) t.complaint_warn = *o.complaint_warn;
    if (o.complaint_pause) t.complaint_pause = *o.complaint_pause;
    if (o.pause_action) t.pause_action = *o.pause_action;
    return t;
}

std::string percent(double fraction) {
    char buf[32];
    std::snprintf(buf, sizeof buf, fraction < 0.01 && fraction > 0 ? "%.2f%%" : "%.1f%%", fraction * 100.0);
    return buf;
}

Assessment assess(const Counts& c, const Thresholds& t) {
    Assessment a;
    // Per recipient: a message to ten addresses of which two bounce is 20%.
    double base = static_cast<double>(c.rcpts > 0 ? c.rcpts : c.sent);
    if (base > 0) {
        a.bounce_rate = static_cast<double>(c.hard) / base;
        a.complaint_rate = static_cast<double>(c.complaints) / base;
    }
    a.judged = c.sent >= t.min_volume && c.sent > 0;
    if (!a.judged) return a;
    auto check = [&](double rate, double warn, double pause, const char* what) {
        Level l = rate >= pause ? Level::Pause : rate >= warn ? Level::Warn : Level::Ok;
        if (l > a.level || (l == a.level && l != Level::Ok && a.why.empty())) {
            a.level = l;
            a.why = std::string(what) + " rate " + percent(rate) + " >= " + percent(l == Level::Pause ? pause : warn) +
                    " (" + std::to_string(c.sent) + " sent)";
        }
    };
    check(a.bounce_rate, t.bounce_warn, t.bounce_pause, "bounce");
    check(a.complaint_rate, t.complaint_warn, t.complaint_pause, "complaint");
    return a;
}

}  // namespace sw::reputation
