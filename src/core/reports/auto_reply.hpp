// Auto-replies that are not delivery failures: RFC 3834 responses
// (Auto-Submitted: auto-replied, vacation/out-of-office notices) and
// challenge-response "please confirm" mails. They must never suppress.
#pragma once

#include <string_view>

#include "core/reports/mime_message.hpp"

namespace sw::reports {

bool is_auto_reply(const MimeMessage& m);

// A challenge-response service's mail (Boxbe, Bluebottle, ...), whatever
// its form: some dress the challenge up as a DSN.
bool is_challenge_response(const MimeMessage& m);

// A rejection whose text is a challenge ("your server requires
// confirmation"): the answer is a human's, not a dead address.
bool is_challenge_text(std::string_view diagnostic);

}  // namespace sw::reports
