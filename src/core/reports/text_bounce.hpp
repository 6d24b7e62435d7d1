// Non-standard NDRs (qmail, Exim, Sendmail and Postfix without DSN, old
// Exchange, Domino, Yahoo, Courier, Gmail, ...): the failed recipients are
// found by where an address stands in the notice text (alone on a line,
// "<addr>:", "RCPT TO:<addr>", "addr... User unknown", X-Failed-Recipients)
// and the text that follows it is its diagnostic. Scanning the notice is
// plain text work; MIME is already undone by mime_message.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/reports/bounce_text.hpp"
#include "core/reports/mime_message.hpp"
#include "core/reports/report.hpp"

namespace sw::reports {

struct TextBounce {
    std::string format;  // "qmail", "exim", "sendmail", "postfix", "exchange", ... or "text"
    std::vector<FailedRecipient> recipients;  // not yet classified
};

// What the headers say about "delivery-failure notice": Strong for a
// mailer-daemon or postmaster sender, a failure subject or
// X-Failed-Recipients; Weak for only a null Return-Path.
enum class NdrEvidence { None, Weak, Strong };
NdrEvidence ndr_evidence(const MimeMessage& m);

// The failed recipients of a notice, or nullopt when it does not read like
// a delivery failure at all. `exclude` holds lower-cased addresses that are
// never recipients (the report's own From/To, the original sender).
std::optional<TextBounce> parse_text_bounce(const MimeMessage& m, const BounceText& text,
                                            const std::vector<std::string>& exclude);

}  // namespace sw::reports
