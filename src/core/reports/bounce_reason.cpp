// reason_of, classify, implied_status; see bounce_reason.hpp. The phrase
// lists are ours, gathered from the wording real MTAs and providers use;
// they are matched on the lower-cased diagnostic as plain substrings.
#include "core/reports/phrases.hpp"
#include "core/reports/bounce_reason.hpp"

#include <array>
#include <string>

#include "core/util/strings.hpp"

namespace sw::reports {
namespace {

// The complaint is about the sender (our side), not the recipient address:
// a "domain not found" here must not kill the recipient.
constexpr std::array<std::string_view, 14> sender_side = {
    "sender address rejected", "sender domain", "sender verify", "sender rejected",
    "envelope sender", "domain of sender", "sender's domain", "mail from address",
    "sender is not", "unverified sender", "sender address is", "sender unknown",
    "mail from: domain", "unroutable sender"};

constexpr std::array<std::string_view, 28> full_phrases = {
    "mailbox full", "mailbox is full", "mailbox is currently full", "over quota", "overquota",
    "quota exceeded", "exceeded quota", "exceeds quota", "exceed quota", "exceeded its quota",
    "exceeded the quota", "over its quota", "over the allowed quota", "quota full",
    "mailbox size limit", "exceeded storage", "storage allocation", "full mailbox",
    "mailbox has exceeded", "mailfolder is full", "is over its storage", "out of storage",
    "not enough storage", "insufficient storage", "user is over", "mailbox exceeds",
    "disk quota", "quota limit"};

constexpr std::array<std::string_view, 16> size_phrases = {
    "message too large", "message is too large", "message too big", "message is too big",
    "mesg too big", "message size exceeds", "size exceeds", "exceeds size limit",
    "exceeds the maximum", "message length exceeds", "message exceeds", "too large for",
    "size limit", "maximum message size", "message size", "exceeds maximum allowed"};

// Before the user-unknown phrases: these wordings mention a recipient but
// say the message, not the address, was refused.
constexpr std::array<std::string_view, 38> blocked_strong = {
    "spam", "blacklist", "black list", "blocklist", "block list", "rbl", "dnsbl", "spamhaus",
    "spamcop", "barracuda", "reputation", "relay access denied", "relaying denied",
    "relay not permitted", "not permitted to relay", "relaying not allowed", "unable to relay",
    "relay denied", "we do not relay", "virus", "malware", "unsolicited", "junk mail",
    "reverse dns", "reverse lookup", "rdns", "ptr record", "dmarc", "spf", "dkim",
    "authentication required", "not authorized", "content rejected", "message content",
    "refused to accept", "listed at", "recipient preferences", "my name was rejected"};

constexpr std::array<std::string_view, 67> unknown_phrases = {
    "user unknown", "unknown user", "unknown recipient", "recipient unknown", "addressee unknown",
    "no such user", "no such recipient", "no such mailbox", "no such account", "no such address",
    "no such person", "no such local user", "recipient not found", "recipientnotfound", "recipnotfound",
    "address not found", "user not found", "mailbox not found", "mailbox does not exist",
    "account does not exist", "recipient does not exist", "user does not exist",
    "address does not exist", "does not exist", "doesn't exist", "dosn't exist", "not exist",
    "invalid recipient", "invalid mailbox", "invalid user", "user invalid", "not a valid mailbox",
    "not a valid user", "is not a valid", "no mailbox", "no mail box", "not a known user",
    "unknown or illegal", "no longer on server", "not listed in", "not listed as",
    "bad recipient", "bad_recipient", "badrcptto", "unknown local", "not our customer",
    "unknown address", "no account", "not have an account", "has no account", "user doesn't",
    "name is not recognized", "unknown mailbox", "mailbox unknown", "mailbox name not allowed",
    "invalid address", "no user", "no valid recipient", "nie istnieje", "existiert nicht", "n'existe pas",
    "unbekannt", "inconnu", "delivery userid", "address is correct", "couldn't be found", "could not be found"};

// Wordings that name the recipient but not why it was refused: an access
// map's "Recipient address rejected: Access denied" is a block. They mean
// an unknown user only when nothing in the text speaks of a block.
constexpr std::array<std::string_view, 6> unknown_unless_blocked = {
    "recipient rejected", "address rejected", "user reject", "rejected: user", "not found", "not recognized"};

constexpr std::array<std::string_view, 29> disabled_phrases = {
    "disabled", "suspended", "suspend", "deactivated", "inactive", "not active", "not an active",
    "no longer active", "no longer valid", "no longer available", "account closed",
    "account has been closed", "closed account", "mailbox closed", "has moved", "moved to",
    "discontinued", "account expired", "account has expired", "expired account", "account is locked",
    "account locked", "mailbox is locked", "account is frozen", "account terminated",
    "account has been terminated", "account deleted", "account has been deleted", "is frozen"};

constexpr std::array<std::string_view, 36> host_phrases = {
    "host unknown", "unknown host", "host not found", "hostname not found", "domain not found",
    "no such domain", "unknown domain", "domain does not exist", "domain doesn't exist",
    "name or service not known", "nxdomain", "host or domain name not found",
    "domain name not found", "could not be resolved", "no mx", "mx record", "unrouteable",
    "unroutable", "dns error", "not a valid domain", "domain is not valid", "invalid domain",
    "no route to domain", "does not accept mail", "null mx", "domain has no", "bad destination",
    "no such host", "domain is not reachable", "nonexistent domain", "non-existent domain",
    "couldn't find any host named", "point to non-existent hosts", "malformed name server reply",
    "malformed or unexpected name server reply", "has null mx"};

constexpr std::array<std::string_view, 18> rate_phrases = {
    "too many", "rate limit", "ratelimit", "rate-limit", "throttl", "exceeded the rate",
    "sending rate", "temporarily deferred", "connection limit", "try again later",
    "please slow down", "limit exceeded", "exceeded the limit", "rate exceeded", "at a rate that",
    "too quickly", "greylist", "graylist"};

constexpr std::array<std::string_view, 17> expired_phrases = {
    "retry timeout", "retry time", "delivery time expired", "time expired", "message expired",
    "expired", "too long in queue", "could not be delivered within", "timed out", "timeout",
    "giving up", "gave up", "given up", "retry limit", "has been delayed", "delayed",
    "not yet been delivered"};

constexpr std::array<std::string_view, 14> blocked_weak = {
    "blocked", "policy", "denied", "refused", "not allowed", "prohibited", "filter", "security",
    "rejected for", "not permitted", "access", "tls", "bulk", "attachment"};

// RFC 5321's stock text for any 550 ("Requested action not taken: mailbox
// unavailable"): a missing user only with an X.1.x address status and
// nothing that says "blocked".
constexpr std::array<std::string_view, 3> unknown_weak = {"mailbox unavailable", "mailbox not available",
                                                          "unavailable mailbox"};

// DNS trouble that is not an answer about the name: lookups that failed,
// servers that answered badly. The domain may well exist.
// (Postfix's "Malformed or unexpected name server reply" is not among
// them: it means a broken delegation, and it is final.)
constexpr std::array<std::string_view, 6> dns_trouble = {
    "try again", "temporary failure in name resolution", "servfail", "lookup timed out",
    "name server timeout", "dns timeout"};
// A connection that failed says nothing about the address, and its
// "refused" is no block.
constexpr std::array<std::string_view, 6> network_trouble = {
    "connection refused", "connection timed out", "connection reset", "no route to host",
    "network is unreachable", "lost connection"};
constexpr std::array<std::string_view, 4> dns_context = {"name service", "host not found", "name server", "dns"};

// A local delivery program failing (procmail, mail.local writing the
// mailbox) says nothing about whether the address exists.
constexpr std::array<std::string_view, 3> mailer_errors = {
    "procmail:", "couldn't create", "error writing message"};

BounceReason by_status(std::string_view status) {
    if (status.size() < 5) return BounceReason::Other;
    std::string_view detail = status.substr(2);  // "1.1"
    if (detail == "1.1" || detail == "1.3" || detail == "1.10") return BounceReason::UserUnknown;
    if (detail == "1.2" || detail == "4.4") return BounceReason::HostUnknown;
    if (detail == "1.6") return BounceReason::MailboxDisabled;
    if (detail == "2.2") return BounceReason::MailboxFull;
    if (detail == "2.3" || detail == "3.4") return BounceReason::MessageTooLarge;
    if (detail == "4.7") return BounceReason::Expired;
    if (detail.substr(0, 2) == "7.") return status[0] == '4' ? BounceReason::RateLimited : BounceReason::Blocked;
    if (detail == "2.1") return BounceReason::MailboxDisabled;
    return BounceReason::Other;
}

bool address_status(std::string_view status) { return status.size() >= 5 && status.substr(1, 3) == ".1."; }

bool dead(BounceReason r) {
    return r == BounceReason::UserUnknown || r == BounceReason::HostUnknown || r == BounceReason::MailboxDisabled;
}

// Postfix's "delivery temporarily suspended: <why>" says the destination
// is on hold after earlier failures; only the <why> after it tells.
void drop_suspended_prefix(std::string& t) {
    static constexpr std::string_view prefix = "delivery temporarily suspended";
    for (auto p = t.find(prefix); p != std::string::npos; p = t.find(prefix, p)) t.erase(p, prefix.size());
}

// reason_of over the diagnostic already lower-cased (and owned: the
// Postfix prefix is cut out of it in place).
BounceReason reason_of_lower(std::string_view status, std::string& t) {
    drop_suspended_prefix(t);
    if (contains_any(t, full_phrases)) return BounceReason::MailboxFull;
    if (contains_any(t, sender_side)) return BounceReason::Blocked;
    if (contains_any(t, size_phrases)) return BounceReason::MessageTooLarge;
    // "550 : User unknown" with the address left empty is how KDDI (au)
    // and similar carriers answer when the recipient's own filter refuses
    // the sender: a block, not a missing user.
    if (t.find(" : user unknown") != std::string::npos) return BounceReason::Blocked;
    if (contains_any(t, mailer_errors)) return BounceReason::Other;
    // cPanel/Exim's template for an address its router cannot resolve;
    // the "may be blacklisted" in it is a guess, not a block.
    if (t.find("account or domain may not exist") != std::string::npos) return BounceReason::UserUnknown;
    bool blocked = contains_any(t, blocked_strong);
    bool maybe_blocked = contains_any(t, blocked_weak);
    if (!blocked && contains_any(t, dns_trouble) && contains_any(t, dns_context)) return BounceReason::Other;
    if (!blocked) {
        if (contains_any(t, host_phrases)) return BounceReason::HostUnknown;
        if (contains_any(t, disabled_phrases)) return BounceReason::MailboxDisabled;
        if (contains_any(t, unknown_phrases)) return BounceReason::UserUnknown;
        // Office 365's directory-based edge blocking refuses recipients
        // missing from the tenant with 5.4.1 "Recipient address rejected:
        // Access denied"; any other status makes it an access map's block.
        if (status.size() >= 5 && status.substr(1) == ".4.1" && t.find("address rejected: access denied") != std::string::npos)
            return BounceReason::UserUnknown;
    }
    if (blocked) return BounceReason::Blocked;
    if (contains_any(t, network_trouble)) return contains_any(t, expired_phrases) ? BounceReason::Expired : BounceReason::Other;
    if (contains_any(t, rate_phrases)) return BounceReason::RateLimited;
    if (!maybe_blocked) {
        if (contains_any(t, unknown_unless_blocked)) return BounceReason::UserUnknown;
        if (address_status(status) && contains_any(t, unknown_weak)) return BounceReason::UserUnknown;
    }
    BounceReason s = by_status(status);
    // "5.1.1 ... rejected due to policy": the text, not the code, says why.
    if (dead(s) && maybe_blocked) return BounceReason::Blocked;
    if (s != BounceReason::Other) return s;
    if (maybe_blocked) return BounceReason::Blocked;
    if (contains_any(t, expired_phrases)) return BounceReason::Expired;
    return BounceReason::Other;
}

}  // namespace

BounceReason reason_of(std::string_view status, std::string_view reply_code, std::string_view diagnostic) {
    (void)reply_code;
    std::string t = to_lower(diagnostic);
    return reason_of_lower(status, t);
}

std::string_view implied_status(BounceReason reason, bool permanent) {
    switch (reason) {
    case BounceReason::UserUnknown: return permanent ? "5.1.1" : "4.1.1";
    case BounceReason::HostUnknown: return permanent ? "5.1.2" : "4.1.2";
    case BounceReason::MailboxDisabled: return permanent ? "5.2.1" : "4.2.1";
    case BounceReason::MailboxFull: return permanent ? "5.2.2" : "4.2.2";
    case BounceReason::MessageTooLarge: return permanent ? "5.3.4" : "4.3.4";
    case BounceReason::Blocked: return permanent ? "5.7.1" : "4.7.1";
    case BounceReason::RateLimited: return permanent ? "5.7.1" : "4.7.1";
    case BounceReason::Expired: return permanent ? "5.4.7" : "4.4.7";
    case BounceReason::Other: return "";
    }
    return "";
}

void classify(FailedRecipient& r) {
    char cls = !r.status.empty() ? r.status[0] : (!r.reply_code.empty() ? r.reply_code[0] : '\0');
    if (r.action == "delayed")
        r.permanent = false;
    else if (r.action == "failed")
        r.permanent = true;
    else
        r.permanent = cls != '4';
    std::string t = to_lower(r.diagnostic);
    bool generic_unknown = t.find("unknown user") != std::string::npos || t.find("user unknown") != std::string::npos ||
                           t.find("no such user") != std::string::npos;
    r.reason = reason_of_lower(r.status, t);
    // An address the server accepted at RCPT TO exists: "unknown user"
    // after DATA is a content filter speaking. A refusal at MAIL FROM,
    // HELO or connect is about us, not about the recipient.
    // Only the generic wording: "does not exist" or "no account" answers to
    // DATA come from providers that check recipients late (Yahoo).
    if (r.smtp_command == "DATA" && r.reason == BounceReason::UserUnknown && generic_unknown &&
        !(r.status.size() >= 5 && r.status.compare(1, 4, ".1.1") == 0))
        r.reason = BounceReason::Blocked;
    if ((r.smtp_command == "MAIL" || r.smtp_command == "HELO" || r.smtp_command == "CONN") && dead(r.reason))
        r.reason = BounceReason::Blocked;
    // A temporary code means the receiver itself was not sure yet.
    r.hard = dead(r.reason) && r.permanent && cls != '4';
}

}  // namespace sw::reports
