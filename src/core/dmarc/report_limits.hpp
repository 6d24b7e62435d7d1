// Limits: the bounds every DMARC report input is read under (bytes after
// decompression, compression ratio, records), from the [dmarc] settings.
// They keep a hostile or broken report from costing more than a big real
// one; real reports are far below the defaults.
#pragma once

#include <cstddef>

namespace sw::config {
struct Config;
}

namespace sw::dmarc {

struct Limits {
    std::size_t max_xml_size = 32u << 20;      // one report's XML, after decompression
    std::size_t max_compression_ratio = 200;   // output/input, checked past ratio_floor
    std::size_t max_records = 100000;          // <record> elements in one report
};

// Below this much output a high ratio is normal (a small report of
// repeated rows compresses 50-100x); past it, a ratio over the limit is a bomb.
inline constexpr std::size_t ratio_floor = 1u << 20;

// Whether `out` bytes inflated from `in` bytes look like a bomb.
bool exceeds_ratio(const Limits& limits, std::size_t in, std::size_t out) noexcept;

// From cfg.dmarc_max_xml_size, dmarc_max_compression_ratio, dmarc_max_records.
Limits limits_from(const config::Config& cfg);

}  // namespace sw::dmarc
