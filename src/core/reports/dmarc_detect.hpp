// DMARC aggregate reports (RFC 7489 §7.2): a mail carrying a zip, gzip or
// XML attachment named like "receiver!domain!begin!end.xml.gz", usually with
// a "Report Domain:" subject. Only recognised here; the XML is not parsed.
#pragma once

#include "core/reports/mime_message.hpp"

namespace sw::reports {

bool is_dmarc_aggregate(const MimeMessage& m);

}  // namespace sw::reports
