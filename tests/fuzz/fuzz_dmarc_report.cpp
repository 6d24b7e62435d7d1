// libFuzzer target: parse_report_bytes (src/core/dmarc). Any bytes must
// give a value without a crash, a hang or a leak, and the value must keep
// the interface's promises: a parsed report has a report_id, a policy
// domain and p, and never more records than max_records; problems are one
// line each.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/dmarc/report_unpack.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view raw(reinterpret_cast<const char*>(data), size);
    sw::dmarc::Limits limits;
    limits.max_xml_size = 4u << 20;  // keep each run small; the logic is the same
    limits.max_records = 1000;
    sw::dmarc::UnpackedReports u = sw::dmarc::parse_report_bytes(raw, limits);
    for (const auto& r : u.reports) {
        if (r.report_id.empty() || r.policy.domain.empty() || r.policy.p.empty()) std::abort();
        if (r.records.size() > limits.max_records) std::abort();
        for (const auto& rec : r.records)
            if (rec.dkim != "pass" && rec.dkim != "fail") std::abort();
    }
    for (const auto& p : u.problems)
        if (p.find('\n') != std::string_view::npos) std::abort();
    return 0;
}
