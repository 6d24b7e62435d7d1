// Is it safe to move a domain's DMARC policy one step stricter
// (none -> quarantine -> quarantine at pct=100 -> reject)? Judged from the
// sources analysis: the known sources (ours, or passing aligned for most of
// their mail) must pass aligned for ready_pass_rate of their messages; an
// unknown source sending more than unknown_max_share of the volume blocks
// (more likely a forgotten service than a forger); smaller unknown sources
// are what the stricter policy is for and are reported as probable
// spoofing. Thresholds: [dmarc] in sendwarden.conf(5).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/dmarc/sources.hpp"

namespace sw::dmarc {

struct ReadinessThresholds {
    double ready_pass_rate = 0.98;
    double unknown_max_share = 0.01;
    double unknown_max_total = 0.05;
    std::uint64_t min_messages = 1000;
    std::int64_t min_days = 14;
};

struct Readiness {
    // "ready", "not-ready", "insufficient-data", "at-reject" (nothing stricter),
    // "no-data" (no reports at all)
    std::string verdict;
    std::string current;  // "none", "quarantine (pct=50)", ...; "" unknown
    std::string next;     // the recommended next policy, e.g. "p=quarantine"; "" none
    std::string summary;  // the one-line verdict with its main figures
    std::vector<std::string> reasons;   // what blocks, or why it is fine
    std::vector<std::string> spoofing;  // small unknown sources ("203.0.113.9: 12 messages")
    // Figures
    std::uint64_t messages = 0, known_messages = 0, known_pass = 0, unknown_messages = 0;
    std::size_t unknown_sources = 0;
    double days = 0;

    bool ready() const { return verdict == "ready"; }
};

Readiness judge_readiness(const SourcesAnalysis& a, const ReadinessThresholds& t);

// "48,210"
std::string thousands(std::uint64_t n);
// "99.7%" (one decimal; "100%" and "0%" exact)
std::string percent(std::uint64_t part, std::uint64_t whole);
// A configured fraction as a percentage: 0.98 -> "98%", 0.005 -> "0.5%"
std::string share_text(double fraction);

}  // namespace sw::dmarc
