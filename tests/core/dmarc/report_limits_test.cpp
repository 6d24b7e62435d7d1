// report_limits (src/core/dmarc/report_limits.cpp): the ratio rule and the
// mapping from the [dmarc] settings.
#include <catch2/catch.hpp>

#include "core/config/config.hpp"
#include "core/dmarc/report_limits.hpp"

using namespace sw::dmarc;

TEST_CASE("report_limits: a high ratio counts only past 1 MiB of output") {
    Limits l;  // ratio 200
    CHECK_FALSE(exceeds_ratio(l, 10, ratio_floor));        // 100000:1 but small
    CHECK(exceeds_ratio(l, 10, ratio_floor + 1));
    CHECK_FALSE(exceeds_ratio(l, 10000, 2000000));         // exactly 200
    CHECK(exceeds_ratio(l, 10000, 2000001));
    CHECK(exceeds_ratio(l, 0, ratio_floor + 1));
}

TEST_CASE("report_limits: limits_from maps the [dmarc] settings") {
    sw::config::Config cfg;
    cfg.dmarc_max_xml_size = 1u << 20;
    cfg.dmarc_max_compression_ratio = 50;
    cfg.dmarc_max_records = 7;
    Limits l = limits_from(cfg);
    CHECK(l.max_xml_size == 1u << 20);
    CHECK(l.max_compression_ratio == 50);
    CHECK(l.max_records == 7);
}
