// looks_like_ndr, parse_text_bounce; see text_bounce.hpp.
#include "core/reports/phrases.hpp"
#include "core/reports/text_bounce.hpp"

#include <array>
#include <utility>

#include "core/reports/address_text.hpp"
#include "core/reports/bounce_reason.hpp"
#include "core/reports/field_block.hpp"
#include "core/reports/status_code.hpp"
#include "core/util/strings.hpp"

namespace sw::reports {
namespace {

constexpr std::array<std::string_view, 38> subject_phrases = {
    "undeliver", "undelivered", "delivery fail", "delivery status notification", "failure notice",
    "returned mail", "mail delivery failed", "delivery failure", "could not be delivered",
    "not delivered", "nondeliverable", "non-deliverable", "non deliverable", "returned to sender",
    "mail system error", "delivery problem", "delivery notification", "permanent failure",
    "unable to deliver", "mail failure", "failed delivery", "delivery report", "rejected:",
    "message not delivered", "could not send", "delivery error", "bounce", "mail delivery",
    "failed mail", "non remis", "unzustellbar", "niedostarczona", "error sending", "delayed mail",
    "delivery delayed", "warning: message", "\xe3\x82\xa8\xe3\x83\xa9\xe3\x83\xbc" /* エラー */,
    "\xe4\xb8\x8d\xe9\x81\x94" /* 不達 */};

constexpr std::array<std::string_view, 50> failure_phrases = {
    "could not be delivered", "couldn't be delivered", "was not delivered", "wasn't delivered",
    "not be delivered", "undeliverable", "delivery has failed", "delivery to the following",
    "permanent error", "permanent fatal error", "unable to deliver", "following address",
    "failed recipient", "user unknown", "wasn't able to deliver", "was unable to deliver",
    "returned to sender", "delivery failed", "rejected your message", "message was not delivered",
    "could not deliver", "couldn't deliver", "failed to deliver", "not able to deliver",
    "delivery attempt", "was undeliverable", "not reach", "didn't reach", "did not reach",
    "following recipient", "following destination", "error occurred", "has not been delivered",
    "not yet been delivered", "delivery error", "fatal error", "temporary failure", "will retry",
    "unable to reach", "no such user", "does not exist", "rejected", "message could not",
    "mailbox", "delivery problem", "over quota", "unknown", "failed", "failure", "error"};

// Phrases of a delay warning (the message is still queued).
constexpr std::array<std::string_view, 12> delay_phrases = {
    "will retry", "will be retried", "will keep trying", "still trying", "not yet been delivered",
    "has not been delivered yet", "has been delayed", "delivery is delayed", "delivery delayed",
    "will continue to try", "continue trying", "still be retried"};
constexpr std::array<std::string_view, 8> final_phrases = {
    "permanent", "giving up", "given up", "gave up", "failed permanently", "no further attempts",
    "will not be retried", "not going to try again"};

constexpr std::array<std::pair<std::string_view, std::string_view>, 20> signatures = {{
    {"qmail-send program", "qmail"},
    {"this message was created automatically by mail delivery software", "exim"},
    {"your message did not reach some or all of the intended recipients", "exchange"},
    {"delivery has failed to these recipients", "exchange"},
    {"the following recipient(s) could not be reached", "exchange"},
    {"not listed in domino directory", "domino"},
    {"was not delivered to:", "domino"},
    {"sorry, we were unable to deliver your message", "yahoo"},
    {"the following addresses had permanent fatal errors", "sendmail"},
    {"transcript of session follows", "sendmail"},
    {"this is the mail system at host", "postfix"},
    {"this is the postfix program", "postfix"},
    {"delivery to the following recipient failed", "gmail"},
    {"delivery to the following recipients failed", "gmail"},
    {"courier mail server", "courier"},
    {"message from yahoo", "yahoo"},
    {"this is the qmail", "qmail"},
    {"mail delivery subsystem", "sendmail"},
    {"smtp error from remote", "exim"},
    {"message delivery has failed", "text"},
}};

struct Line {
    std::string_view text;
    std::size_t pos;
};

std::vector<Line> lines_of(std::string_view t) {
    std::vector<Line> out;
    std::size_t pos = 0;
    while (pos < t.size() && out.size() < 20000) {
        std::size_t end = t.find('\n', pos);
        if (end == std::string_view::npos) end = t.size();
        std::string_view l = t.substr(pos, end - pos);
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        out.push_back({l, pos});
        pos = end + 1;
    }
    return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

enum class Strength { None, Weak, Strong };

// Lines that quote headers or a transcript's sender, never a recipient.
bool skipped_line(std::string_view lower) {
    static constexpr std::array<std::string_view, 14> starts = {
        "from:", "reply-to:", "sender:", "return-path:", "message-id:", "received:", "in-reply-to:",
        "references:", "date:", "subject:", "by ", "with ", "cc:", "list-"};
    for (auto s : starts)
        if (lower.rfind(s, 0) == 0) return true;
    return lower.find("mail from:") != std::string_view::npos || lower.find("message-id") != std::string_view::npos ||
           lower.find("envelope-from") != std::string_view::npos;
}

Strength strength_of(std::string_view line, std::size_t at, std::size_t len) {
    std::string_view prefix = line.substr(0, at);
    std::string_view suffix = line.substr(at + len);
    if (!prefix.empty()) {
        char b = prefix.back();
        if (b == '/' || b == '=' || b == '?' || b == '+') return Strength::None;  // a URL or a parameter
    }
    while (!prefix.empty() && std::string_view("<\"'([ \t").find(prefix.back()) != std::string_view::npos)
        prefix.remove_suffix(1);
    while (!suffix.empty() && std::string_view(">\"')] \t").find(suffix.front()) != std::string_view::npos)
        suffix.remove_prefix(1);
    std::string p = to_lower(trim(prefix));
    std::string s = to_lower(trim(suffix));
    if (ends_with(p, "mailto:") || ends_with(p, "from:") || ends_with(p, "sender:") || ends_with(p, "sender"))
        return Strength::None;
    if (s.rfind("wrote", 0) == 0) return Strength::None;
    // Bullets and numbering before an address on its own line.
    while (!p.empty() && std::string_view("-*#>.:0123456789 \t").find(p.back()) != std::string_view::npos &&
           p.find_first_not_of("-*#>.:0123456789 \t") == std::string::npos)
        p.clear();
    if (p.empty()) return Strength::Strong;
    static constexpr std::array<std::string_view, 16> label_words = {
        "to", "recipient", "address", "user", "mailbox", "rcpt", "failed", "destinat", "account",
        "adresse", "empf", "odbiorca", "rfc822", "addressee", "delivery", "deliver"};
    std::string_view last = p;
    if (auto sp = p.find_last_of(" \t"); sp != std::string::npos) last = std::string_view(p).substr(sp + 1);
    if (p.back() == ':' || p.back() == ';') {
        for (auto w : label_words)
            if (p.find(w) != std::string::npos) return Strength::Strong;
        return Strength::Weak;
    }
    static constexpr std::array<std::string_view, 8> words_before = {
        "to", "recipient", "user", "mailbox", "address", "account", "addressee", "for"};
    // "Your message to <x> could not be delivered", not "... send a message
    // from another address to <postmaster>" deep inside a sentence.
    for (auto w : words_before)
        if (last == w) return w == "for" || p.size() > 40 ? Strength::Weak : Strength::Strong;
    return Strength::Weak;
}

bool is_daemon(std::string_view key) {
    static constexpr std::array<std::string_view, 6> locals = {"mailer-daemon@", "mailer_daemon@", "mail-daemon@",
                                                               "mailerdaemon@", "postmaster@", "double-bounce@"};
    for (auto l : locals)
        if (key.rfind(l, 0) == 0) return true;
    return false;
}

struct Candidate {
    std::string key;      // lower-cased
    std::string address;  // normalized
    std::size_t line = 0;
    Strength strength = Strength::None;
    bool excluded = false;  // the report's own From/To: a recipient only as a last resort
};

std::string collapse(std::string_view s, std::size_t max) {
    std::string out;
    bool space = false;
    for (char c : s) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = !out.empty();
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += c;
        if (out.size() >= max) break;
    }
    return out;
}

std::string format_of(std::string_view lower_notice) {
    for (auto [sig, name] : signatures)
        if (lower_notice.find(sig) != std::string_view::npos) return std::string(name);
    return "text";
}

// Candidates of the notice, best strength first found per address.
std::vector<Candidate> candidates(const std::vector<Line>& lines, const std::vector<std::string>& exclude) {
    std::vector<Candidate> out;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        std::string_view line = lines[i].text;
        if (line.find('@') == std::string_view::npos) continue;
        std::string lower = to_lower(trim(line));
        if (skipped_line(lower)) continue;
        for (const auto& hit : find_addresses(line, 20)) {
            Strength st = strength_of(line, hit.pos, hit.address.size());
            if (st == Strength::None) continue;
            std::string key = address_key(hit.address);
            bool excluded = false;
            for (const auto& e : exclude)
                if (e == key) excluded = true;
            bool seen = false;
            for (auto& c : out) {
                if (c.key != key) continue;
                seen = true;
                if (st == Strength::Strong && c.strength != Strength::Strong) {
                    c.strength = st;
                    c.line = i;
                }
            }
            if (!seen) out.push_back({key, normalize_address(hit.address), i, st, excluded});
        }
    }
    return out;
}

// Strong candidates, else weak ones; the report's own addresses only when
// they stand alone as a recipient and nothing else does (a message sent to
// oneself bounces to the same address).
std::vector<Candidate> choose(std::vector<Candidate> all, bool failure_wording) {
    std::vector<Candidate> strong, weak, self;
    for (auto& c : all) {
        if (c.excluded) {
            if (c.strength == Strength::Strong) self.push_back(c);
            continue;
        }
        (c.strength == Strength::Strong ? strong : weak).push_back(c);
    }
    if (!failure_wording) self.clear();
    std::vector<Candidate>& pick = !strong.empty() ? strong : !weak.empty() ? weak : self;
    // Daemon addresses only when nothing else is there.
    std::vector<Candidate> real;
    for (auto& c : pick)
        if (!is_daemon(c.key)) real.push_back(c);
    return real.empty() ? pick : real;
}

// Sendmail gives each failure a line of its own, "550 <user@host>... why"
// or "550 host (mailer)... why"; such a line about another address or
// host ends the text of this one.
bool sendmail_item(std::string_view line) {
    if (line.size() < 8 || line[3] != ' ' || line.find("... ") == std::string_view::npos) return false;
    for (int i = 0; i < 3; ++i)
        if (line[i] < '0' || line[i] > '9') return false;
    return true;
}

bool other_item_line(std::string_view line, std::string_view key) {
    return sendmail_item(line) && to_lower(line).find(key) == std::string::npos;
}

bool has_reason_words(std::string_view diag) {
    if (!find_enhanced_status(diag).empty()) return true;
    return reason_of("", "", diag) != BounceReason::Other;
}

}  // namespace

NdrEvidence ndr_evidence(const MimeMessage& m) {
    std::string from = to_lower(field_value(m.headers, "From"));
    std::string rp = to_lower(trim(field_value(m.headers, "Return-Path")));
    std::string subject = to_lower(field_value(m.headers, "Subject"));
    bool daemon_from = from.find("mailer-daemon") != std::string::npos || from.find("mailer_daemon") != std::string::npos ||
                       from.find("post_master") != std::string::npos ||
                       from.find("postmaster") != std::string::npos || from.find("mail delivery") != std::string::npos ||
                       from.find("mail-daemon") != std::string::npos || from.find("mailerdaemon") != std::string::npos ||
                       from.find("mdaemon") != std::string::npos;
    bool null_rp = rp == "<>" || rp.find("mailer-daemon") != std::string::npos;
    if (daemon_from || contains_any(subject, subject_phrases) || !field_value(m.headers, "X-Failed-Recipients").empty())
        return NdrEvidence::Strong;
    // Auto-replies come from <> too (RFC 3834 §3.3): weak on its own.
    return null_rp ? NdrEvidence::Weak : NdrEvidence::None;
}

std::optional<TextBounce> parse_text_bounce(const MimeMessage& m, const BounceText& text,
                                            const std::vector<std::string>& exclude) {
    std::string_view lower = text.lower;
    std::string subject = to_lower(field_value(m.headers, "Subject"));
    NdrEvidence headers = ndr_evidence(m);
    if (headers == NdrEvidence::None) return std::nullopt;
    bool ndr_body = contains_any(lower, failure_phrases);
    if (headers == NdrEvidence::Weak && !ndr_body) return std::nullopt;

    auto lines = lines_of(text.notice);
    std::vector<Candidate> chosen;
    if (auto xfr = field_value(m.headers, "X-Failed-Recipients"); !xfr.empty()) {
        for (const auto& hit : find_addresses(xfr, 50)) {
            Candidate c{address_key(hit.address), normalize_address(hit.address), lines.size(), Strength::Strong};
            for (std::size_t i = 0; i < lines.size(); ++i)
                if (to_lower(lines[i].text).find(c.key) != std::string::npos) {
                    c.line = i;
                    break;
                }
            chosen.push_back(std::move(c));
        }
    }
    if (chosen.empty()) chosen = choose(candidates(lines, exclude), ndr_body);
    if (chosen.empty()) return std::nullopt;
    // Without failure wording, only an address standing alone as a
    // recipient is evidence enough.
    if (!ndr_body && chosen.front().strength != Strength::Strong) return std::nullopt;

    TextBounce tb;
    tb.format = format_of(lower);
    bool delayed = (subject.find("delay") != std::string::npos || subject.find("warning") != std::string::npos ||
                    contains_any(lower, delay_phrases)) &&
                   !contains_any(lower, final_phrases);
    std::string whole = collapse(text.notice, 4000);
    for (std::size_t k = 0; k < chosen.size() && k < 500; ++k) {
        const Candidate& c = chosen[k];
        // Its text: from its line to the next chosen recipient's line.
        std::size_t end = lines.size();
        for (const auto& other : chosen)
            if (other.line > c.line && other.line < end) end = other.line;
        end = std::min(end, c.line + 25);
        std::string seg;
        for (std::size_t i = c.line; i < end && i < lines.size(); ++i) {
            if (i > c.line && other_item_line(lines[i].text, c.key)) break;
            seg.append(lines[i].text);
            seg += '\n';
        }
        FailedRecipient r;
        r.address = c.address;
        r.diagnostic = collapse(seg, 2000);
        // The recipient's own Sendmail line says why, even in words we
        // have no reason for ("Remote protocol error").
        bool own_item = c.line < lines.size() && sendmail_item(lines[c.line].text);
        if (!own_item && !has_reason_words(r.diagnostic)) r.diagnostic = whole;
        r.status = find_enhanced_status(r.diagnostic);
        if (r.status.empty()) r.status = find_enhanced_status(whole);
        r.reply_code = find_reply_code(r.diagnostic);
        r.action = delayed || (!r.status.empty() && r.status[0] == '4' && !contains_any(lower, final_phrases)) ? "delayed" : "failed";
        tb.recipients.push_back(std::move(r));
    }
    return tb;
}

}  // namespace sw::reports
