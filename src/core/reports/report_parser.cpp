// parse_report: recognise what kind of report a message is and hand it to
// the parser of that kind, in an order where the stronger evidence wins:
// an ARF part, then an RFC 3464 delivery-status part, then a DMARC
// attachment, then auto-reply markers, then a non-standard NDR text.
#include "core/reports/report.hpp"

#include <algorithm>
#include <exception>

#include "core/reports/address_text.hpp"
#include "core/reports/arf_parser.hpp"
#include "core/reports/auto_reply.hpp"
#include "core/reports/bounce_reason.hpp"
#include "core/reports/bounce_text.hpp"
#include "core/reports/dmarc_detect.hpp"
#include "core/reports/dsn_parser.hpp"
#include "core/reports/filter_gateway.hpp"
#include "core/reports/mime_message.hpp"
#include "core/reports/original_message.hpp"
#include "core/reports/smtp_stage.hpp"
#include "core/reports/text_bounce.hpp"
#include "core/util/strings.hpp"

namespace sw::reports {
namespace {

bool is_dsn_part(const MimeLeaf& leaf, int level) {
    return leaf.message_level == level && (leaf.content_type == "message/delivery-status" ||
                                       leaf.content_type == "message/global-delivery-status");
}

enum class DsnResult { None, Failures, SuccessOnly };

// DSN fields written into a text part (a multipart/report whose boundaries
// were lost, or an MTA that never made it a MIME part): from the first
// "Reporting-MTA:" or "Final-Recipient:" line on.
void inline_dsn(const MimeMessage& m, ParsedReport& out, int& groups) {
    for (const auto& leaf : m.leaves) {
        if (leaf.message_level != 0 || leaf.content_type.rfind("text/", 0) != 0) continue;
        std::string lower = to_lower(leaf.body);
        std::size_t p = std::string::npos;
        for (std::string_view key : {"\nreporting-mta:", "\nfinal-recipient:"})
            p = std::min(p, lower.find(key));
        if (p == std::string::npos) continue;
        DeliveryStatus ds = parse_delivery_status(std::string_view(leaf.body).substr(p + 1));
        groups += ds.recipient_groups;
        if (out.reporting_mta.empty()) out.reporting_mta = ds.reporting_mta;
        for (auto& r : ds.recipients) out.recipients.push_back(std::move(r));
    }
}

// Recipients of every delivery-status part of the report; a report that
// only forwards another one (the DSN inside its message/rfc822) is read
// one level down.
DsnResult parse_dsn(const MimeMessage& m, ParsedReport& out) {
    int groups = 0;
    int level = 0;
    for (const auto& leaf : m.leaves)
        if (is_dsn_part(leaf, 1) && !is_dsn_part(leaf, 0)) level = 1;
    for (const auto& leaf : m.leaves)
        if (is_dsn_part(leaf, 0)) level = 0;
    for (const auto& leaf : m.leaves) {
        if (!is_dsn_part(leaf, level)) continue;
        DeliveryStatus ds = parse_delivery_status(leaf.body);
        groups += ds.recipient_groups;
        if (out.reporting_mta.empty()) out.reporting_mta = ds.reporting_mta;
        for (auto& r : ds.recipients) out.recipients.push_back(std::move(r));
    }
    if (groups == 0) inline_dsn(m, out, groups);
    if (!out.recipients.empty()) {
        out.format = "rfc3464";
        return DsnResult::Failures;
    }
    // Every recipient delivered, relayed or expanded: a success notice.
    return groups > 0 ? DsnResult::SuccessOnly : DsnResult::None;
}

// A DSN's Diagnostic-Code is often missing or bare ("smtp; 550"); the
// human-readable part then says why. Borrow its text for the reason only.
void fill_from_notice(ParsedReport& out, const BounceText& text) {
    for (auto& r : out.recipients) {
        if (reason_of(r.status, r.reply_code, r.diagnostic) != BounceReason::Other) continue;
        std::string_view notice = text.notice;
        auto p = text.lower.find(to_lower(r.address));
        std::string_view near = p == std::string::npos ? notice.substr(0, 2000) : notice.substr(p, 1500);
        if (reason_of(r.status, r.reply_code, near) == BounceReason::Other) continue;
        if (!r.diagnostic.empty()) r.diagnostic += " ";
        r.diagnostic.append(near.substr(0, 1000));
    }
}

// The SMTP command each error answered: the diagnostic, else the notice
// from the recipient's first mention on (a single recipient: all of it).
void fill_stage(ParsedReport& out, const BounceText& text) {
    std::string_view lower = text.lower;
    for (auto& r : out.recipients) {
        r.smtp_command = smtp_command_in(r.diagnostic);
        if (!r.smtp_command.empty()) continue;
        auto p = lower.find(to_lower(r.address));
        if (p != std::string::npos)
            r.smtp_command = smtp_command_in(lower.substr(p, 1500));
        else if (out.recipients.size() == 1)
            r.smtp_command = smtp_command_in(lower);
    }
}

std::vector<std::string> own_addresses(const MimeMessage& m) {
    std::vector<std::string> out;
    for (std::string_view name : {"From", "To", "Reply-To", "Sender"})
        for (const auto& hit : find_addresses(field_value(m.headers, name), 20)) out.push_back(address_key(hit.address));
    return out;
}

void parse(std::string_view raw, ParsedReport& out) {
    MimeMessage m = parse_mime(raw);
    out.subject = std::string(field_value(m.headers, "Subject"));
    out.message_id = std::string(trim(field_value(m.headers, "Message-ID")));
    BounceText text = bounce_text(m);

    if (parse_complaint(m, out)) {
        extract_original(m, text, out);
        return;
    }
    if (is_challenge_response(m)) {
        out.format = "auto-reply";
        return;
    }
    DsnResult dsn = parse_dsn(m, out);
    if (dsn == DsnResult::Failures) {
        out.kind = ReportKind::Bounce;
        fill_from_notice(out, text);
    } else if (dsn == DsnResult::SuccessOnly) {
        out.format = "dsn-success";
        return;
    } else if (is_dmarc_aggregate(m)) {
        out.kind = ReportKind::Dmarc;
        out.format = "dmarc-aggregate";
        return;
    } else if (is_auto_reply(m)) {
        out.kind = ReportKind::Other;
        out.format = "auto-reply";
        return;
    } else {
        out.recipients.clear();
        auto tb = parse_text_bounce(m, text, own_addresses(m));
        if (!tb) return;
        out.kind = ReportKind::Bounce;
        out.format = std::move(tb->format);
        out.recipients = std::move(tb->recipients);
    }
    fill_stage(out, text);
    bool gateway = is_filter_gateway(m, text);
    bool challenge = !out.recipients.empty();
    for (auto& r : out.recipients) {
        classify(r);
        if (gateway && r.reason == BounceReason::UserUnknown && !(r.status.size() >= 5 && r.status.compare(1, 4, ".1.1") == 0)) {
            r.reason = BounceReason::Blocked;
            r.hard = false;
        }
        challenge = challenge && is_challenge_text(r.diagnostic);
    }
    if (challenge) {  // a rejection that only asks the sender to confirm
        out.kind = ReportKind::Other;
        out.format = "auto-reply";
        out.recipients.clear();
        return;
    }
    extract_original(m, text, out);
}

}  // namespace

std::string_view to_string(ReportKind k) {
    switch (k) {
    case ReportKind::Bounce: return "bounce";
    case ReportKind::Complaint: return "complaint";
    case ReportKind::Dmarc: return "dmarc";
    case ReportKind::Other: return "other";
    }
    return "other";
}

std::string_view to_string(BounceReason r) {
    switch (r) {
    case BounceReason::UserUnknown: return "user-unknown";
    case BounceReason::HostUnknown: return "host-unknown";
    case BounceReason::MailboxDisabled: return "mailbox-disabled";
    case BounceReason::MailboxFull: return "mailbox-full";
    case BounceReason::MessageTooLarge: return "message-too-large";
    case BounceReason::Blocked: return "blocked";
    case BounceReason::RateLimited: return "rate-limited";
    case BounceReason::Expired: return "expired";
    case BounceReason::Other: return "other";
    }
    return "other";
}

ParsedReport parse_report(std::string_view raw) {
    ParsedReport out;
    try {
        parse(raw, out);
    } catch (const std::exception&) {
        // Untrusted input must never escape as an exception (STYLE §4.1):
        // what could not be understood is Other.
        out = ParsedReport{};
    }
    return out;
}

}  // namespace sw::reports
