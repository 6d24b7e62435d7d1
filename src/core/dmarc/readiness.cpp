// judge_readiness; see readiness.hpp.
#include "core/dmarc/readiness.hpp"

#include <cmath>
#include <cstdio>

namespace sw::dmarc {
namespace {

std::string who(const SourceStats& s) {
    return s.name.empty() ? s.ip_text : s.ip_text + " (" + s.name + ")";
}

std::string days_text(double d) {
    long n = std::lround(d);
    if (n < 1) n = 1;
    return std::to_string(n) + (n == 1 ? " day" : " days");
}

}  // namespace

std::string share_text(double fraction) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g%%", std::round(fraction * 1000.0) / 10.0);
    return buf;
}

std::string thousands(std::uint64_t n) {
    std::string s = std::to_string(n);
    for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
    return s;
}

std::string percent(std::uint64_t part, std::uint64_t whole) {
    if (whole == 0) return "0%";
    if (part == whole) return "100%";
    if (part == 0) return "0%";
    double p = 100.0 * double(part) / double(whole);
    char buf[32];
    // Never round a miss up to 100% or a few down to 0%.
    if (p > 99.9) p = 99.9;
    if (p < 0.1) p = 0.1;
    std::snprintf(buf, sizeof buf, "%.1f%%", p);
    return buf;
}

Readiness judge_readiness(const SourcesAnalysis& a, const ReadinessThresholds& t) {
    Readiness r;
    r.messages = a.messages;
    r.days = a.last_end > a.first_begin ? double(a.last_end - a.first_begin) / 86400.0 : 0.0;
    const auto& p = a.policy;
    if (!p.p.empty()) {
        r.current = "p=" + p.p;
        if (p.pct >= 0 && p.pct < 100) r.current += " pct=" + std::to_string(p.pct);
    }
    if (p.p == "reject") r.next = "";
    else if (p.p == "quarantine" && p.pct >= 0 && p.pct < 100) r.next = "p=quarantine pct=100";
    else if (p.p == "quarantine") r.next = "p=reject";
    else r.next = "p=quarantine";

    if (a.messages == 0) {
        r.verdict = "no-data";
        r.summary = "no data: no aggregate report for " + a.domain +
                    " in the period; publish rua=mailto:... in its DMARC record and route that address to "
                    "`sendwarden ingest`";
        return r;
    }

    std::vector<std::string> blockers;
    for (const auto& s : a.sources) {
        double share = double(s.messages) / double(a.messages);
        if (!s.known) {
            ++r.unknown_sources;
            r.unknown_messages += s.messages;
            if (share > t.unknown_max_share) {
                std::string line = "source " + who(s) + " sends " + percent(s.messages, a.messages) +
                                   " of volume (" + thousands(s.messages) + " messages) ";
                line += s.dmarc_pass ? "and passes aligned for only " + percent(s.dmarc_pass, s.messages) + " of it"
                                     : "without aligned SPF or DKIM";
                line += ": authorise it (SPF include or DKIM signing for " + a.domain +
                        ") or make sure it is not yours";
                blockers.push_back(std::move(line));
            } else {
                r.spoofing.push_back(who(s) + ": " + thousands(s.messages) + " messages, " +
                                     percent(s.dmarc_pass, s.messages) + " aligned");
            }
            continue;
        }
        r.known_messages += s.messages;
        r.known_pass += s.dmarc_pass;
        std::uint64_t failing = s.messages - s.dmarc_pass;
        if (double(failing) / double(a.messages) > t.unknown_max_share) {
            std::string line = "source " + who(s) + " sends " + percent(s.messages, a.messages) + " of volume, " +
                               percent(failing, s.messages) + " of it failing DMARC";
            if (s.dkim_aligned * 2 < s.messages) line += " (no aligned DKIM on " + percent(s.messages - s.dkim_aligned, s.messages) + ")";
            line += ": fix its DKIM signing or SPF authorisation";
            blockers.push_back(std::move(line));
        }
    }
    if (double(r.unknown_messages) > t.unknown_max_total * double(a.messages) && r.unknown_sources > 1)
        blockers.push_back(std::to_string(r.unknown_sources) + " unknown sources send " +
                           percent(r.unknown_messages, a.messages) + " of volume in all (more than " +
                           share_text(t.unknown_max_total) +
                           ", [dmarc] unknown_max_total): find out which of them are yours before a stricter policy");
    if (r.known_messages &&
        double(r.known_pass) < t.ready_pass_rate * double(r.known_messages) - 1e-9)
        blockers.push_back("known sources pass aligned for " + percent(r.known_pass, r.known_messages) + " of " +
                           thousands(r.known_messages) + " messages; " + share_text(t.ready_pass_rate) + " is needed ([dmarc] ready_pass_rate)");
    if (r.known_messages == 0) blockers.push_back("no source passes aligned: nothing is authorised for " + a.domain + " yet");

    std::string figures = percent(r.known_pass, r.known_messages) + " of " + thousands(r.known_messages) +
                          " messages from known sources pass aligned over " + days_text(r.days) + "; " +
                          std::to_string(r.unknown_sources) + " unknown source" + (r.unknown_sources == 1 ? "" : "s") +
                          " (" + percent(r.unknown_messages, a.messages) + ")" +
                          (r.unknown_sources && blockers.empty() ? (r.unknown_sources == 1 ? " looks like spoofing" : " look like spoofing") : "");

    if (p.p == "reject") {
        r.verdict = "at-reject";
        r.summary = "already at p=reject: " + figures;
        r.reasons = std::move(blockers);
        return r;
    }
    if (!blockers.empty()) {
        r.verdict = "not-ready";
        r.summary = "not ready for " + r.next + ": " + blockers.front();
        r.reasons = std::move(blockers);
        return r;
    }
    if (a.messages < t.min_messages || r.days + 1e-9 < double(t.min_days)) {
        r.verdict = "insufficient-data";
        r.summary = "not enough data yet for " + r.next + ": " + thousands(a.messages) + " messages over " +
                    days_text(r.days) + " (needs " + thousands(t.min_messages) + " messages over " +
                    std::to_string(t.min_days) + " days, [dmarc] min_messages and min_days); so far " + figures;
        return r;
    }
    r.verdict = "ready";
    r.summary = "ready for " + r.next + ": " + figures;
    r.reasons.push_back(percent(r.known_pass, r.known_messages) + " of the known sources' mail passes aligned (needs " +
                        share_text(t.ready_pass_rate) + ")");
    if (r.unknown_sources)
        r.reasons.push_back("each unknown source sends at most " +
                            share_text(t.unknown_max_share) +
                            " of the volume: a stricter policy is what stops them");
    return r;
}

}  // namespace sw::dmarc
