// parse_report_bytes: find and parse the DMARC aggregate report(s) in any
// bytes a reporter sends (RFC 7489 §7.2.1.1): raw XML, gzip (also gzip in
// gzip), zip (every member) or a whole report e-mail, whose attachments
// and XML body are read the same way (MIME by sw::reports::parse_mime).
// Bounded by Limits; the containers are read by gzip_reader/zip_reader.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/dmarc/aggregate_report.hpp"
#include "core/dmarc/report_limits.hpp"

namespace sw::dmarc {

struct UnpackedReports {
    std::vector<AggregateReport> reports;
    // One line each, naming the attachment/member when there is one:
    // "attachment 'a.zip', member 'b.xml': missing report_metadata/report_id".
    std::vector<std::string> problems;
};

// Never throws on bad input. Every decompression stops at max_xml_size;
// all of one input's decompressed data together at 4 x max_xml_size; at
// most 256 zip members and two container layers (gzip in gzip, gzip in zip)
// are read.
UnpackedReports parse_report_bytes(std::string_view bytes, const Limits& limits);

}  // namespace sw::dmarc
