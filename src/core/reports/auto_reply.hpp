// Auto-replies that are not delivery failures: RFC 3834 responses
// (Auto-Submitted: auto-replied, vacation/out-of-office notices) and
// challenge-response "please confirm" mails. They must never suppress.
#pragma once

#include "core/reports/mime_message.hpp"

namespace sw::reports {

bool is_auto_reply(const MimeMessage& m);

}  // namespace sw::reports
