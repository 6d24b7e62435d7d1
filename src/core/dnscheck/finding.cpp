// Finding and Tally; see finding.hpp.
#include "core/dnscheck/finding.hpp"

namespace sw::dnscheck {

std::string_view to_string(Level level) noexcept {
    switch (level) {
        case Level::ok: return "ok";
        case Level::warning: return "warning";
        case Level::error: return "error";
    }
    return "error";
}

void Tally::add(const std::vector<Finding>& findings) noexcept {
    for (const auto& f : findings) {
        if (f.level == Level::error) ++errors;
        if (f.level == Level::warning) ++warnings;
        if (f.temporary) ++temporary;
    }
}

Tally& Tally::operator+=(const Tally& other) noexcept {
    errors += other.errors;
    warnings += other.warnings;
    temporary += other.temporary;
    return *this;
}

}  // namespace sw::dnscheck
