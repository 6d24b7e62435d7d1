// ParsedReport: what `sendwarden ingest` learns from one message (DESIGN
// "Suppressions, bounces, complaints"). The parser (parse_report) is pure:
// bytes in, this value out, no state, no I/O; what to do with it (attribute,
// suppress, count) is core/ingest's job.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sw::reports {

enum class ReportKind {
    Bounce,     // RFC 3464 DSN or a non-standard NDR (qmail, Exim, Exchange, ...)
    Complaint,  // RFC 5965 ARF feedback report (or a provider's ARF-like one)
    Dmarc,      // DMARC aggregate report (kept unparsed for now)
    Other,      // anything else: auto-replies, vacation notices, ordinary mail
};
std::string_view to_string(ReportKind k);  // "bounce", "complaint", "dmarc", "other"

// Why a recipient failed, by the reply text and status, not the first digit.
enum class BounceReason {
    UserUnknown,      // 5.1.1, "no such user", "user unknown", ...
    HostUnknown,      // 5.1.2, 5.4.4, NXDOMAIN, "host not found"
    MailboxDisabled,  // disabled, suspended, has moved (5.1.6), "account closed"
    MailboxFull,      // 5.2.2, 4.2.2, "over quota"
    MessageTooLarge,  // 5.3.4, 5.2.3, "message size exceeds"
    Blocked,          // 5.7.x policy, spam, reputation, RBL, relay denied, auth
    RateLimited,      // 4.7.x/4.2.1 throttling, "too many connections/messages"
    Expired,          // 4.4.7 / delivery time expired, timeouts, retry limit
    Other,
};
std::string_view to_string(BounceReason r);  // "user-unknown", "host-unknown", "mailbox-disabled",
                                             // "mailbox-full", "message-too-large", "blocked",
                                             // "rate-limited", "expired", "other"

struct FailedRecipient {
    std::string address;             // final recipient, lower-cased domain; never empty
    std::string original_recipient;  // Original-Recipient when present
    std::string action;              // "failed", "delayed", ... (DSN Action, or inferred)
    std::string status;              // RFC 3463 "5.1.1"; empty when none was found
    std::string reply_code;          // SMTP reply code "550"; empty when none was found
    std::string diagnostic;          // Diagnostic-Code or the NDR's text for this recipient
    std::string remote_mta;          // Remote-MTA when present
    std::string smtp_command;        // the command the error answered: "CONN", "HELO", "MAIL",
                                     // "RCPT", "DATA"; empty when the report does not say
    BounceReason reason = BounceReason::Other;
    bool permanent = false;          // a failure (5.x.x / Action failed), not a delay
    bool hard = false;               // the address is dead: suppress at once
};

struct ComplaintReport {
    std::string feedback_type;   // "abuse", "fraud", "virus", "other", "not-spam", ...
    std::string recipient;       // the complaining recipient (Original-Rcpt-To, else
                                 // the original message's To:); empty when redacted/absent
    std::vector<std::string> recipients;  // every complaining recipient (a Return Path FBL
                                          // lists several Original-Rcpt-To); [0] == recipient
    std::string source_ip;
    std::string user_agent;
    std::string reported_domain;
};

struct ParsedReport {
    ReportKind kind = ReportKind::Other;
    std::string format;              // how it was recognised: "rfc3464", "rfc5965",
                                     // "qmail", "exim", "exchange", "auto-reply", ...
    std::string subject;
    std::string message_id;          // the report's own Message-ID
    std::string reporting_mta;
    // Bounce: every recipient the report says failed or was delayed.
    std::vector<FailedRecipient> recipients;
    // Complaint: one per ARF report.
    ComplaintReport complaint;
    // From the returned original message (text/rfc822, text/rfc822-headers or
    // quoted headers) where present.
    std::string original_queue_id;   // X-Postfix-Queue-ID, or Postfix's "queue ID" line
    std::string original_message_id; // Message-ID of the original, with <>
    std::string original_sender;     // the original's Return-Path/From address
    std::string original_from_domain;
    // Dmarc: nothing is parsed yet; the caller stores the raw message.
};

// Parses one message (RFC 5322, LF or CRLF or CR line ends). Never throws on
// bad input and never fails: what it cannot understand is ReportKind::Other.
ParsedReport parse_report(std::string_view raw);

}  // namespace sw::reports
