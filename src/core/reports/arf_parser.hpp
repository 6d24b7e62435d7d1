// Complaint reports: RFC 5965 message/feedback-report (also RFC 6591
// auth-failure reports, which use the same format) and the non-ARF forms
// that mean the same thing: Microsoft JMRP forwards (the original attached,
// the complainer in X-HmXmrOriginalRecipient) and Apple Mail's unsubscribe
// mail (X-Apple-Unsubscribe). Fills kind, format and complaint.
#pragma once

#include "core/reports/mime_message.hpp"
#include "core/reports/report.hpp"

namespace sw::reports {

// True when the message is a complaint; `out` is filled then.
bool parse_complaint(const MimeMessage& m, ParsedReport& out);

}  // namespace sw::reports
