// libFuzzer target: parse_report (src/core/reports). Any bytes must give a
// value without a crash, a hang or a leak, and the value must keep the
// interface's promises: a bounce has recipients, none of them with an
// empty address; a hard verdict is always a permanent failure.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/reports/report.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view raw(reinterpret_cast<const char*>(data), size);
    sw::reports::ParsedReport r = sw::reports::parse_report(raw);
    if (r.kind == sw::reports::ReportKind::Bounce && r.recipients.empty()) std::abort();
    for (const auto& rc : r.recipients) {
        if (rc.address.empty()) std::abort();
        if (rc.hard && !rc.permanent) std::abort();
    }
    return 0;
}
