// What a report says about the message it is about: its queue ID, its
// Message-ID and its sender, from the enclosed message/rfc822 or
// text/rfc822-headers part, the header block quoted inline in the notice,
// Postfix's X-Postfix-Queue-ID DSN field or its "queue ID" text. These are
// how core/ingest ties a report to what we sent.
#pragma once

#include "core/reports/bounce_text.hpp"
#include "core/reports/mime_message.hpp"
#include "core/reports/report.hpp"

namespace sw::reports {

// Fills out.original_queue_id, original_message_id, original_sender and
// original_from_domain where the report holds them.
void extract_original(const MimeMessage& m, const BounceText& text, ParsedReport& out);

}  // namespace sw::reports
