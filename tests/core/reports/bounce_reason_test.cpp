// Unit tests of bounce_reason.cpp: the reason and the hard/soft verdict for
// the standard refusal texts of the common MTAs and mailbox providers
// (Postfix, Sendmail, Exim, qmail, Exchange/Office 365, Gmail, Yahoo,
// Outlook.com, Domino, Courier, ...), written from their documented or
// commonly seen wording, one row per wording. Policy: hard = the address is
// dead (user or domain unknown, disabled, moved); policy blocks, full
// mailboxes, size, rate limits and temporary failures are not.
#include <catch2/catch.hpp>

#include <string>

#include "core/reports/bounce_reason.hpp"
#include "core/reports/smtp_stage.hpp"
#include "core/reports/status_code.hpp"

using namespace sw::reports;

namespace {

struct Row {
    const char* label;
    const char* status;  // RFC 3463 code as the report gives it, "" when none
    const char* diagnostic;
    BounceReason reason;
    bool hard;
};

FailedRecipient verdict_of(const Row& row) {
    FailedRecipient r;
    r.address = "rcpt@example.com";
    r.status = row.status;
    r.diagnostic = row.diagnostic;
    r.reply_code = find_reply_code(r.diagnostic.substr(0, 16));
    r.action = (!r.status.empty() ? r.status[0] : r.reply_code.empty() ? '5' : r.reply_code[0]) == '4' ? "delayed"
                                                                                                        : "failed";
    r.smtp_command = smtp_command_in(r.diagnostic);
    classify(r);
    return r;
}

void check_rows(std::initializer_list<Row> rows) {
    for (const Row& row : rows) {
        DYNAMIC_SECTION(row.label) {
            FailedRecipient r = verdict_of(row);
            INFO(row.diagnostic);
            CHECK(to_string(r.reason) == to_string(row.reason));
            CHECK(r.hard == row.hard);
        }
    }
}

}  // namespace

TEST_CASE("unknown users in the wording of each MTA are hard", "[reports][reason]") {
    using R = BounceReason;
    check_rows({
        {"postfix local table", "5.1.1",
         "550 5.1.1 <rcpt@example.com>: Recipient address rejected: User unknown in local recipient table (in reply to RCPT TO command)",
         R::UserUnknown, true},
        {"postfix virtual table", "5.1.1",
         "550 5.1.1 <rcpt@example.com>: Recipient address rejected: User unknown in virtual mailbox table", R::UserUnknown,
         true},
        {"postfix relay table", "5.1.1",
         "550 5.1.1 <rcpt@example.com>: Recipient address rejected: User unknown in relay recipient table", R::UserUnknown,
         true},
        {"postfix local(8)", "5.1.1", "unknown user: \"rcpt\"", R::UserUnknown, true},
        {"sendmail", "5.1.1", "550 5.1.1 <rcpt@example.com>... User unknown", R::UserUnknown, true},
        {"sendmail without a code", "", "550 <rcpt@example.com>... User unknown", R::UserUnknown, true},
        {"exim / cPanel", "", "550 No Such User Here", R::UserUnknown, true},
        {"exim verification", "",
         "SMTP error from remote mail server after RCPT TO:<rcpt@example.com>: 550-Verification failed for "
         "<rcpt@example.com> 550-Unrouteable address 550 Sender verify failed",
         R::Blocked, false},
        {"qmail local", "5.1.1", "Sorry, no mailbox here by that name. (#5.1.1)", R::UserUnknown, true},
        {"qmail remote", "5.1.1",
         "192.0.2.1 does not like recipient. Remote host said: 550 5.1.1 <rcpt@example.com>: no such user",
         R::UserUnknown, true},
        {"exchange 2007+", "5.1.1", "#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##", R::UserUnknown, true},
        {"office 365 lookup", "5.1.10",
         "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", R::UserUnknown, true},
        {"exchange 2003", "5.1.1",
         "The recipient's e-mail address was not found in the recipient's e-mail system.", R::UserUnknown, true},
        {"office 365 directory-based edge blocking", "5.4.1",
         "550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [BN8NAM12FT003.eop-nam12.prod.protection.outlook.com]",
         R::UserUnknown, true},
        {"gmail", "5.1.1",
         "550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking the "
         "recipient's email address for typos or unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser",
         R::UserUnknown, true},
        {"gmail text with a bare 5.0.0", "5.0.0", "The email account that you tried to reach does not exist.",
         R::UserUnknown, true},
        {"yahoo legacy", "",
         "554 delivery error: dd This user doesn't have a yahoo.com account (rcpt@yahoo.com) [0] - mta1001.mail.bf1.yahoo.com",
         R::UserUnknown, true},
        {"yahoo current", "", "552 1 Requested mail action aborted, mailbox not found", R::UserUnknown, true},
        {"outlook.com with 5.1.1", "5.1.1", "550 5.1.1 Requested action not taken: mailbox unavailable", R::UserUnknown,
         true},
        {"icloud", "5.1.1", "550 5.1.1 <rcpt@icloud.com>: user does not exist", R::UserUnknown, true},
        {"yandex with 5.7.1", "5.7.1", "550 5.7.1 No such user!", R::UserUnknown, true},
        {"mail.ru", "", "550 Message was not accepted -- invalid mailbox. Local mailbox rcpt@mail.ru is unavailable: user not found",
         R::UserUnknown, true},
        {"domino", "", "User rcpt@example.com not listed in Domino Directory", R::UserUnknown, true},
        {"courier", "", "550 User unknown.", R::UserUnknown, true},
        {"aol", "", "550 MAILBOX NOT FOUND", R::UserUnknown, true},
        {"comcast", "5.1.1", "550 5.1.1 <rcpt@comcast.net> recipient does not exist here", R::UserUnknown, true},
        {"novell / generic invalid recipient", "", "550 5.1.1 Invalid recipient <rcpt@example.com>", R::UserUnknown, true},
        {"zimbra / generic no such mailbox", "", "550 5.1.1 <rcpt@example.com>: No such mailbox", R::UserUnknown, true},
        {"german", "", "550 5.1.1 Benutzer existiert nicht", R::UserUnknown, true},
    });
}

TEST_CASE("disabled, closed and moved mailboxes are hard", "[reports][reason]") {
    using R = BounceReason;
    check_rows({
        {"gmail disabled", "5.2.1", "550-5.2.1 The email account that you tried to reach is disabled.",
         R::MailboxDisabled, true},
        {"gmail inactive", "5.2.1", "550 5.2.1 The email account that you tried to reach is inactive.",
         R::MailboxDisabled, true},
        {"yahoo disabled", "",
         "554 30 Sorry, your message to rcpt@yahoo.com cannot be delivered. This mailbox is disabled (554.30).",
         R::MailboxDisabled, true},
        {"yahoo legacy disabled", "",
         "Sorry your message to rcpt@example.com cannot be delivered. This account has been disabled or discontinued [#102].",
         R::MailboxDisabled, true},
        {"generic suspended", "5.2.1", "550 5.2.1 Mailbox currently suspended", R::MailboxDisabled, true},
        {"generic inactive", "", "550 5.2.1 <rcpt@example.com>: mailbox is inactive", R::MailboxDisabled, true},
        {"generic closed", "", "550 Account closed", R::MailboxDisabled, true},
        {"moved, RFC 3463 5.1.6", "5.1.6", "551 5.1.6 User has moved; please try <new@example.org>",
         R::MailboxDisabled, true},
        {"expired account", "", "550 5.2.1 This account has expired", R::MailboxDisabled, true},
    });
}

TEST_CASE("unknown hosts and domains are hard, DNS trouble is not", "[reports][reason]") {
    using R = BounceReason;
    check_rows({
        {"postfix NXDOMAIN", "5.4.4",
         "Host or domain name not found. Name service error for name=example.invalid type=A: Host not found",
         R::HostUnknown, true},
        {"postfix MX not found", "5.1.2",
         "Host or domain name not found. Name service error for name=example.invalid type=MX: Host not found",
         R::HostUnknown, true},
        {"postfix temporary DNS failure", "4.4.3",
         "Host or domain name not found. Name service error for name=example.com type=MX: Host not found, try again",
         R::Other, false},
        {"postfix temporary DNS failure, final", "5.4.3",
         "Host or domain name not found. Name service error for name=example.com type=MX: Host not found, try again",
         R::Other, false},
        {"postfix delivery temporarily suspended", "4.4.1",
         "delivery temporarily suspended: connect to mx.example.com[192.0.2.1]:25: Connection refused", R::Other, false},
        {"postfix malformed reply", "5.0.0",
         "Name service error for name=example.com type=MX: Malformed or unexpected name server reply",
         R::HostUnknown, true},
        {"sendmail", "5.1.2", "550 5.1.2 <rcpt@example.invalid>... Host unknown (Name server: example.invalid: host not found)",
         R::HostUnknown, true},
        {"sendmail deferred lookup", "4.4.3", "451 4.4.3 Host example.com: Name server timeout", R::Other, false},
        {"qmail", "5.1.2", "Sorry, I couldn't find any host named example.invalid. (#5.1.2)", R::HostUnknown, true},
        {"qmail temporary", "4.1.2", "Sorry, I couldn't find any host by that name. (#4.1.2)", R::HostUnknown, false},
        {"exchange", "5.4.4", "554 5.4.4 SMTPSEND.DNS.NonExistentDomain; nonexistent domain", R::HostUnknown, true},
        {"gmail NXDOMAIN", "",
         "DNS Error: 2512553 DNS type 'mx' lookup of example.invalid responded with code NXDOMAIN Domain name not found: "
         "example.invalid",
         R::HostUnknown, true},
        {"gmail SERVFAIL", "",
         "DNS Error: 2512553 DNS type 'mx' lookup of example.com responded with code SERVFAIL", R::Other, false},
        {"null MX, RFC 7505", "5.1.10", "556 5.1.10 Recipient address has null MX", R::HostUnknown, true},
        {"exim all MX hosts missing", "", "all relevant MX records point to non-existent hosts", R::HostUnknown, true},
    });
}

TEST_CASE("policy blocks and transient trouble are not hard", "[reports][reason]") {
    using R = BounceReason;
    check_rows({
        {"5.1.1 with a block text", "5.1.1", "550 5.1.1 Message blocked by recipient's policy", R::Blocked, false},
        {"5.1.1 rejected due to policy", "5.1.1", "550 5.1.1 <rcpt@example.com>: rejected due to policy",
         R::Blocked, false},
        {"5.1.1 listed at an RBL", "5.1.1", "550 5.1.1 Client host 192.0.2.1 listed at zen.spamhaus.org", R::Blocked,
         false},
        {"5.1.1 spam", "5.1.1", "550 5.1.1 Message rejected as spam", R::Blocked, false},
        {"postfix access map", "5.7.1", "554 5.7.1 <rcpt@example.com>: Recipient address rejected: Access denied",
         R::Blocked, false},
        {"postfix relay", "5.7.1", "554 5.7.1 <rcpt@example.com>: Relay access denied", R::Blocked, false},
        {"sendmail relay", "5.7.1", "550 5.7.1 <rcpt@example.com>... Relaying denied", R::Blocked, false},
        {"qmail rcpthosts", "5.7.1", "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)", R::Blocked,
         false},
        {"gmail unsolicited", "5.7.1",
         "550-5.7.1 Our system has detected that this message is likely unsolicited mail.", R::Blocked, false},
        {"gmail authentication", "5.7.26",
         "550-5.7.26 This message does not have authentication information or fails to pass authentication checks",
         R::Blocked, false},
        {"office 365 banned IP", "5.7.606", "550 5.7.606 Access denied, banned sending IP [192.0.2.1]", R::Blocked,
         false},
        {"outlook.com block list", "5.7.1",
         "550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet service "
         "provider since part of their network is on our block list (S3150).",
         R::Blocked, false},
        {"yahoo permanently deferred", "5.7.2",
         "553 5.7.2 [TSS09] All messages from 192.0.2.1 will be permanently deferred", R::Blocked, false},
        {"yahoo policy", "5.7.9", "554 5.7.9 Message not accepted for policy reasons.", R::Blocked, false},
        {"yahoo deferred volume", "4.7.0",
         "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints",
         R::RateLimited, false},
        {"gmail rate", "4.2.1", "450-4.2.1 The user you are trying to contact is receiving mail too quickly.",
         R::RateLimited, false},
        {"outlook.com without 5.1.x", "5.5.0", "550 5.5.0 Requested action not taken: mailbox unavailable", R::Other,
         false},
        {"mailbox unavailable without a code", "", "550 Requested action not taken: mailbox unavailable", R::Other,
         false},
        {"bare 5.0.0", "5.0.0", "550 5.0.0 Rejected", R::Other, false},
        {"bare 5.5.0", "5.5.0", "550 5.5.0 Rejected", R::Other, false},
        {"gmail over quota", "4.2.2", "452-4.2.2 The email account that you tried to reach is over quota.",
         R::MailboxFull, false},
        {"mailbox full", "5.2.2", "552 5.2.2 Mailbox full", R::MailboxFull, false},
        {"qmail over quota", "", "user is over quota", R::MailboxFull, false},
        {"size", "5.3.4", "552 5.3.4 Message size exceeds fixed maximum message size", R::MessageTooLarge, false},
        {"expired", "4.4.7", "Delivery time expired", R::Expired, false},
        {"sender domain", "5.1.8", "553 5.1.8 <sender@example.org>: Sender address rejected: Domain not found",
         R::Blocked, false},
        {"greylisting", "4.7.1", "450 4.7.1 <rcpt@example.com>: Recipient address rejected: Greylisted", R::RateLimited,
         false},
        {"unknown user after DATA is a filter", "5.0.0",
         "550 Unknown user rcpt@example.com (in reply to end of DATA command)", R::Blocked, false},
    });
}
