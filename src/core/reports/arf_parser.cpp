// parse_complaint; see arf_parser.hpp.
#include "core/reports/arf_parser.hpp"

#include "core/reports/address_text.hpp"
#include "core/reports/field_block.hpp"
#include "core/util/strings.hpp"

namespace sw::reports {
namespace {

// The complaining address when the field holds exactly one real one: not a
// placeholder ("Undisclosed Recipients") or a redacted local part.
std::string real_address(std::string_view value) {
    auto hits = find_addresses(value, 3);
    if (hits.size() != 1) return {};
    std::string a = normalize_address(hits.front().address);
    std::string key = to_lower(a);
    if (key.rfind("redacted@", 0) == 0 || key.find("undisclosed") != std::string::npos) return {};
    return a;
}

// The report's enclosed original: the headers of the first message/rfc822
// part, else a text/rfc822-headers part.
FieldGroup enclosed_headers(const MimeMessage& m) {
    if (!m.enclosed.empty()) return m.enclosed.front();
    for (const auto& leaf : m.leaves)
        if (leaf.content_type == "text/rfc822-headers") return parse_header_block(leaf.body);
    return {};
}

void add_recipient(ComplaintReport& c, std::string a) {
    if (a.empty()) return;
    for (const auto& have : c.recipients)
        if (iequals(have, a)) return;
    c.recipients.push_back(std::move(a));
}

// The feedback-report fields: a message/feedback-report part, else a text
// part of the report that is plainly one (some generators send it as
// text/plain, or lower-case the field names).
const MimeLeaf* feedback_part(const MimeMessage& m) {
    for (const auto& leaf : m.leaves)
        if (leaf.message_level == 0 && leaf.content_type == "message/feedback-report") return &leaf;
    if (m.report_type != "feedback-report") return nullptr;
    for (const auto& leaf : m.leaves) {
        if (leaf.message_level != 0) continue;
        std::string head = to_lower(std::string_view(leaf.body).substr(0, 4096));
        if (head.find("feedback-type:") != std::string::npos) return &leaf;
    }
    return nullptr;
}

bool parse_arf(const MimeMessage& m, ParsedReport& out) {
    const MimeLeaf* part = feedback_part(m);
    if (!part) return false;
    ComplaintReport& c = out.complaint;
    // One report block; some generators split it with blank lines, so the
    // first value of each field over all groups is taken.
    for (const auto& g : parse_field_groups(part->body, 20)) {
        for (const auto& f : g) {
            if (iequals(f.name, "Feedback-Type") && c.feedback_type.empty())
                c.feedback_type = to_lower(trim(f.value));
            else if (iequals(f.name, "Original-Rcpt-To"))
                add_recipient(c, real_address(f.value));
            else if (iequals(f.name, "Source-IP") && c.source_ip.empty())
                c.source_ip = std::string(trim(f.value));
            else if (iequals(f.name, "User-Agent") && c.user_agent.empty())
                c.user_agent = std::string(trim(f.value));
            else if (iequals(f.name, "Reported-Domain") && c.reported_domain.empty())
                c.reported_domain = to_lower(trim(f.value));
            else if (iequals(f.name, "Reporting-MTA") && out.reporting_mta.empty())
                out.reporting_mta = std::string(trim(f.value));
        }
    }
    if (auto sp = c.feedback_type.find_first_of(" \t;"); sp != std::string::npos) c.feedback_type.resize(sp);
    if (c.feedback_type.empty()) c.feedback_type = "other";
    if (c.recipients.empty()) add_recipient(c, real_address(field_value(enclosed_headers(m), "To")));
    out.format = "rfc5965";
    return true;
}

bool parse_jmrp(const MimeMessage& m, ParsedReport& out) {
    FieldGroup orig = enclosed_headers(m);
    std::string_view hm = field_value(orig, "X-HmXmrOriginalRecipient");
    std::string from = to_lower(field_value(m.headers, "From"));
    std::string subject = to_lower(field_value(m.headers, "Subject"));
    bool from_jmrp = from.find("staff@hotmail.com") != std::string::npos ||
                     subject.find("complaint about message from") != std::string::npos;
    if (hm.empty() && !(from_jmrp && !m.enclosed.empty())) return false;
    ComplaintReport& c = out.complaint;
    c.feedback_type = "abuse";
    add_recipient(c, real_address(hm));
    if (c.recipients.empty()) add_recipient(c, real_address(field_value(orig, "To")));
    out.format = "jmrp";
    return true;
}

bool parse_apple_unsubscribe(const MimeMessage& m, ParsedReport& out) {
    if (!iequals(trim(field_value(m.headers, "X-Apple-Unsubscribe")), "true")) return false;
    out.complaint.feedback_type = "opt-out";
    add_recipient(out.complaint, real_address(field_value(m.headers, "From")));
    out.format = "apple-unsubscribe";
    return true;
}

}  // namespace

bool parse_complaint(const MimeMessage& m, ParsedReport& out) {
    if (!parse_arf(m, out) && !parse_jmrp(m, out) && !parse_apple_unsubscribe(m, out)) return false;
    out.kind = ReportKind::Complaint;
    if (!out.complaint.recipients.empty()) out.complaint.recipient = out.complaint.recipients.front();
    return true;
}

}  // namespace sw::reports
