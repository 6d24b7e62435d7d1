// Unit tests of the report parser's pieces (status codes, DSN fields, the
// hard/soft verdict) and of parse_report on small hand-written messages,
// including hostile input that must neither crash nor hang.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "core/reports/bounce_reason.hpp"
#include "core/reports/dsn_parser.hpp"
#include "core/reports/report.hpp"
#include "core/reports/smtp_stage.hpp"
#include "core/reports/status_code.hpp"

using namespace sw::reports;

namespace {

std::string dsn(const std::string& action, const std::string& status, const std::string& diag) {
    return "From: MAILER-DAEMON@mx.example.net\nTo: sender@example.org\n"
           "Subject: Undelivered Mail Returned to Sender\n"
           "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\n\n"
           "--b1\nContent-Type: text/plain\n\nThe mail system\n"
           "--b1\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n"
           "X-Postfix-Queue-ID: 4ABCD123\n\n"
           "Final-Recipient: rfc822; Rcpt@Example.COM\nOriginal-Recipient: rfc822;alias@example.com\n"
           "Action: " + action + "\nStatus: " + status + "\nRemote-MTA: dns; mx.example.com\n"
           "Diagnostic-Code: smtp; " + diag + "\n"
           "--b1\nContent-Type: text/rfc822-headers\n\nFrom: Sender <sender@example.org>\n"
           "Message-ID: <m1@example.org>\n--b1--\n";
}

}  // namespace

TEST_CASE("status codes are found in free text, not in addresses", "[reports]") {
    CHECK(find_enhanced_status("550 5.1.1 <a@b.example>: User unknown") == "5.1.1");
    CHECK(find_enhanced_status("host 192.0.2.5 said 550") == "");
    CHECK(find_enhanced_status("qmail (#5.5.0)") == "5.5.0");
    CHECK(find_enhanced_status("version 4.2.1.7") == "");
    CHECK(find_reply_code("550-5.7.1 blocked") == "550");
    CHECK(find_reply_code("from 192.0.2.250 port 25") == "");
    CHECK(is_enhanced_status("5.1.10"));
    CHECK_FALSE(is_enhanced_status("5.1"));
}

TEST_CASE("delivery-status groups give one recipient each", "[reports]") {
    auto ds = parse_delivery_status(
        "Reporting-MTA: dns; mx.example.net\n\n"
        "Final-Recipient: rfc822; a@example.com\nAction: failed\nStatus: 5.0.0\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <a@example.com>: User unknown\n"
        "Final-Recipient: rfc822; b@example.com\nAction: delayed\nStatus: 4.4.1\n\n"
        "Final-Recipient: rfc822; c@example.com\nAction: delivered\nStatus: 2.0.0\n");
    REQUIRE(ds.recipients.size() == 2);
    CHECK(ds.reporting_mta == "mx.example.net");
    CHECK(ds.recipients[0].status == "5.1.1");  // the remote server's own code says more than 5.0.0
    CHECK(ds.recipients[0].reply_code == "550");
    CHECK(ds.recipients[1].action == "delayed");
    CHECK(dsn_address("RFC822; <User@Example.ORG>") == "User@example.org");
    CHECK(dsn_address("rfc822; \"a..b\"@Example.ORG") == "\"a..b\"@example.org");
    CHECK(dsn_address("rfc822; user@#example.net") == "user@#example.net");
    CHECK(dsn_address("rfc822; undisclosed recipients") == "");
    CHECK(dsn_address("rfc822; a b@#example.net") == "");
}

TEST_CASE("the hard verdict follows the reason text, not the first digit", "[reports]") {
    auto verdict = [](std::string action, std::string status, std::string diag) {
        FailedRecipient r;
        r.address = "a@example.com";
        r.action = std::move(action);
        r.status = std::move(status);
        r.diagnostic = std::move(diag);
        r.smtp_command = smtp_command_in(r.diagnostic);
        classify(r);
        return r;
    };
    auto unknown = verdict("failed", "5.1.1", "550 5.1.1 User unknown");
    CHECK(unknown.reason == BounceReason::UserUnknown);
    CHECK(unknown.hard);
    CHECK(verdict("failed", "5.7.1", "550 5.7.1 No such user").hard);
    CHECK(verdict("failed", "5.1.2", "Host or domain name not found").reason == BounceReason::HostUnknown);
    CHECK(verdict("failed", "5.2.1", "550 Mailbox currently suspended").hard);
    auto full = verdict("failed", "5.2.2", "552 Mailbox full");
    CHECK(full.reason == BounceReason::MailboxFull);
    CHECK_FALSE(full.hard);
    auto blocked = verdict("failed", "5.7.1", "554 5.7.1 Service unavailable; client host blocked using zen.spamhaus.org");
    CHECK(blocked.reason == BounceReason::Blocked);
    CHECK_FALSE(blocked.hard);
    CHECK_FALSE(verdict("failed", "5.0.0", "550 5.0.0 Rejected").hard);
    auto delay = verdict("delayed", "4.4.1", "Connection timed out");
    CHECK_FALSE(delay.permanent);
    CHECK_FALSE(delay.hard);
    // Accepted at RCPT TO, refused after DATA: a filter, not a dead address.
    CHECK_FALSE(verdict("failed", "5.0.0", "550 Unknown user a@example.com (in reply to end of DATA command)").hard);
    CHECK(implied_status(BounceReason::UserUnknown, true) == "5.1.1");
}

TEST_CASE("parse_report reads an RFC 3464 bounce and its original", "[reports]") {
    auto r = parse_report(dsn("failed", "5.1.1", "550 5.1.1 <Rcpt@example.com>: Recipient address rejected: User unknown"));
    CHECK(r.kind == ReportKind::Bounce);
    CHECK(r.format == "rfc3464");
    REQUIRE(r.recipients.size() == 1);
    const auto& rc = r.recipients[0];
    CHECK(rc.address == "Rcpt@example.com");
    CHECK(rc.original_recipient == "alias@example.com");
    CHECK(rc.remote_mta == "mx.example.com");
    CHECK(rc.hard);
    CHECK(r.reporting_mta == "mx.example.net");
    CHECK(r.original_queue_id == "4ABCD123");
    CHECK(r.original_message_id == "<m1@example.org>");
    CHECK(r.original_sender == "sender@example.org");
    CHECK(r.original_from_domain == "example.org");
}

TEST_CASE("parse_report: line ends do not matter", "[reports]") {
    std::string lf = dsn("failed", "5.1.1", "550 5.1.1 User unknown");
    std::string crlf, cr;
    for (char c : lf) {
        crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
        cr += c == '\n' ? '\r' : c;
    }
    for (const auto& text : {crlf, cr}) {
        auto r = parse_report(text);
        REQUIRE(r.recipients.size() == 1);
        CHECK(r.recipients[0].hard);
    }
}

TEST_CASE("parse_report reads a qmail notice and a delay warning", "[reports]") {
    auto q = parse_report(
        "From: MAILER-DAEMON@mx.example.net\nTo: sender@example.org\nSubject: failure notice\n\n"
        "Hi. This is the qmail-send program at mx.example.net.\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
        "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
        "<gone@example.com>:\n192.0.2.1 does not like recipient.\nRemote host said: 550 No such user\n\n"
        "--- Below this line is a copy of the message.\n\nMessage-ID: <q1@example.org>\nFrom: sender@example.org\n");
    CHECK(q.kind == ReportKind::Bounce);
    CHECK(q.format == "qmail");
    REQUIRE(q.recipients.size() == 1);
    CHECK(q.recipients[0].address == "gone@example.com");
    CHECK(q.recipients[0].hard);
    CHECK(q.original_message_id == "<q1@example.org>");

    auto d = parse_report(dsn("delayed", "4.4.1", "connect to mx.example.com: Connection timed out"));
    CHECK(d.kind == ReportKind::Bounce);
    REQUIRE(d.recipients.size() == 1);
    CHECK_FALSE(d.recipients[0].permanent);
    CHECK_FALSE(d.recipients[0].hard);
}

TEST_CASE("each line of a Sendmail transcript speaks for its own address", "[reports]") {
    // "NNN <addr>... why" lines: the next one, about another address or
    // host, is not part of this address's reason.
    auto r = parse_report(
        "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>\nTo: sender@example.org\n"
        "Subject: Returned mail: see transcript for details\n\n"
        "   ----- Transcript of session follows -----\n"
        "554 <first@example.edu>... Remote protocol error: Connection reset by peer\n"
        "550 example.com (smtp)... 550 Host unknown\n"
        "554 <second@example.com>... 550 Host unknown (Authoritative answer from name server)\n");
    CHECK(r.kind == ReportKind::Bounce);
    REQUIRE(r.recipients.size() == 2);
    CHECK(r.recipients[0].address == "first@example.edu");
    CHECK(r.recipients[0].reason == BounceReason::Other);
    CHECK_FALSE(r.recipients[0].hard);
    CHECK(r.recipients[1].address == "second@example.com");
    CHECK(r.recipients[1].reason == BounceReason::HostUnknown);
    CHECK(r.recipients[1].hard);
}

TEST_CASE("parse_report reads an ARF complaint", "[reports]") {
    auto r = parse_report(
        "From: fbl@isp.example\nSubject: complaint\n"
        "Content-Type: multipart/report; report-type=feedback-report; boundary=\"f\"\n\n"
        "--f\nContent-Type: text/plain\n\nabuse report\n"
        "--f\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nUser-Agent: Test/1.0\n"
        "Version: 1\nOriginal-Rcpt-To: user@isp.example\nSource-IP: 192.0.2.1\nReported-Domain: Example.ORG\n"
        "--f\nContent-Type: message/rfc822\n\nFrom: news@example.org\nTo: other@isp.example\n"
        "Message-ID: <n@example.org>\n\nhi\n--f--\n");
    CHECK(r.kind == ReportKind::Complaint);
    CHECK(r.complaint.feedback_type == "abuse");
    CHECK(r.complaint.recipient == "user@isp.example");
    CHECK(r.complaint.source_ip == "192.0.2.1");
    CHECK(r.complaint.user_agent == "Test/1.0");
    CHECK(r.complaint.reported_domain == "example.org");
    CHECK(r.original_message_id == "<n@example.org>");
}

TEST_CASE("auto-replies and DMARC reports are not bounces", "[reports]") {
    auto v = parse_report("From: person@example.com\nReturn-Path: <>\nSubject: Out of Office: hello\n"
                          "Auto-Submitted: auto-replied\n\nI am away until Monday; mail to user@example.com is not read.\n");
    CHECK(v.kind == ReportKind::Other);
    CHECK(v.format == "auto-reply");
    auto d = parse_report("From: noreply-dmarc-support@google.com\nSubject: Report domain: example.org Submitter: google.com\n"
                          "Content-Type: application/zip; name=\"google.com!example.org!1700000000!1700086399.zip\"\n"
                          "Content-Transfer-Encoding: base64\n\nUEsDBA==\n");
    CHECK(d.kind == ReportKind::Dmarc);
    auto plain = parse_report("From: a@example.com\nTo: b@example.com\nSubject: lunch\n\nSee you at noon, c@example.com too.\n");
    CHECK(plain.kind == ReportKind::Other);
}

TEST_CASE("parse_report survives hostile input", "[reports]") {
    auto start = std::chrono::steady_clock::now();
    CHECK(parse_report("").kind == ReportKind::Other);
    CHECK(parse_report(std::string("\0\xff\xfe garbage \x01", 14)).kind == ReportKind::Other);
    std::string huge = "From: MAILER-DAEMON@x.example\nSubject: failure notice\n\n" + std::string(4 << 20, 'a') + "@b.example\n";
    (void)parse_report(huge);
    std::string ats = "From: MAILER-DAEMON@x.example\nSubject: failure notice\n\n";
    for (int i = 0; i < 200000; ++i) ats += "@";
    (void)parse_report(ats);
    // Deeply nested multiparts and enclosed messages.
    std::string nested = "From: MAILER-DAEMON@x.example\nSubject: Undelivered Mail\n";
    for (int i = 0; i < 2000; ++i)
        nested += "Content-Type: multipart/mixed; boundary=\"n" + std::to_string(i) + "\"\n\n--n" + std::to_string(i) + "\n";
    nested += "Content-Type: message/delivery-status\n\nFinal-Recipient: rfc822; deep@example.com\nAction: failed\n";
    (void)parse_report(nested);
    std::string rfc822 = "From: MAILER-DAEMON@x.example\n";
    for (int i = 0; i < 2000; ++i) rfc822 += "Content-Type: message/rfc822\n\nFrom: a@example.com\n";
    (void)parse_report(rfc822);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(secs < 10.0);
}
