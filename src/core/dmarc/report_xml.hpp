// parse_report_xml: one DMARC aggregate report's XML into an AggregateReport.
// Schemas: RFC 7489 appendix C (version 1.0 or none), the pre-RFC draft,
// namespaced variants and DMARCbis 2.0 (urn:ietf:params:xml:ns:dmarc-2.0):
// elements are matched by local name, unknown ones ignored. The XML itself
// is read by read_xml (xml_doc.hpp: no DOCTYPE, no network, repairs).
#pragma once

#include <string_view>

#include "core/dmarc/aggregate_report.hpp"
#include "core/dmarc/report_limits.hpp"
#include "core/util/result.hpp"

namespace sw::dmarc {

// Refused (one-line error): broken XML that recovery cannot read, a
// DOCTYPE, more than max_records records or more than max_xml_size bytes,
// a missing report_id, date_range, policy domain or p, a number that is
// not one (or a count over 10^12), a policy_evaluated value outside the
// schema (case counts: "Pass" is refused, as parsedmarc does).
// Kept with a note in AggregateReport::notes: a repair of the XML, an
// optional policy_published value outside the schema (left empty), and a
// record whose source_ip is missing or not an address, which is skipped
// whole (it cannot be attributed; nothing else in it is checked).
Result<AggregateReport> parse_report_xml(std::string_view xml, const Limits& limits);

}  // namespace sw::dmarc
