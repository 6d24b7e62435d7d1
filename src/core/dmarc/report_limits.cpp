// limits_from and the ratio rule; see report_limits.hpp.
#include "core/dmarc/report_limits.hpp"

#include <limits>

#include "core/config/config.hpp"

namespace sw::dmarc {
namespace {

std::size_t to_size(std::uint64_t v) {
    return v > std::numeric_limits<std::size_t>::max() ? std::numeric_limits<std::size_t>::max()
                                                       : static_cast<std::size_t>(v);
}

}  // namespace

bool exceeds_ratio(const Limits& limits, std::size_t in, std::size_t out) noexcept {
    if (out <= ratio_floor) return false;
    // out / max(in, 1) > ratio, without the division's rounding
    std::size_t base = in == 0 ? 1 : in;
    return out / base > limits.max_compression_ratio ||
           (out / base == limits.max_compression_ratio && out % base != 0);
}

Limits limits_from(const config::Config& cfg) {
    Limits l;
    l.max_xml_size = to_size(cfg.dmarc_max_xml_size);
    l.max_compression_ratio = to_size(cfg.dmarc_max_compression_ratio);
    l.max_records = to_size(cfg.dmarc_max_records);
    return l;
}

}  // namespace sw::dmarc
