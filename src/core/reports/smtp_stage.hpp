// Which SMTP command (RFC 5321 §3.3) a remote error answered, from the
// wording MTAs use in reports: Postfix "(in reply to RCPT TO command)",
// Exim "SMTP error from remote mail server after RCPT TO:<...>", Sendmail
// transcripts ">>> DATA" / "<<< 550 ...", and a few others.
#pragma once

#include <string>
#include <string_view>

namespace sw::reports {

// "CONN", "HELO", "MAIL", "RCPT", "DATA", or "" when the text does not say.
std::string smtp_command_in(std::string_view text);

}  // namespace sw::reports
