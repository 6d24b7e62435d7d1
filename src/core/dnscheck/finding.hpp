// Finding: one line of `sendwarden dns-check` — what was checked, how it
// stands and, when it is wrong, what to change. The checks (spf_check,
// dkim_check, dmarc_check) return lists of them; only the CLI prints them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sw::dnscheck {

enum class Level { ok, warning, error };

std::string_view to_string(Level level) noexcept;  // "ok", "warning", "error"

struct Finding {
    Level level = Level::ok;
    std::string check;    // "spf", "dkim", "dmarc"
    std::string message;  // printable; errors and warnings say what to change
    // The DNS answer needed could not be had (timeout, SERVFAIL): the check
    // is undecided rather than wrong, so the operator should try again.
    bool temporary = false;
};

// Counts over any number of findings, for the exit status.
struct Tally {
    int errors = 0;      // including temporary ones
    int warnings = 0;
    int temporary = 0;   // errors because DNS failed temporarily

    void add(const std::vector<Finding>& findings) noexcept;
    Tally& operator+=(const Tally& other) noexcept;
    Level worst() const noexcept { return errors ? Level::error : warnings ? Level::warning : Level::ok; }
};

}  // namespace sw::dnscheck
