// parse_delivery_status; see dsn_parser.hpp.
#include "core/reports/dsn_parser.hpp"

#include "core/reports/address_text.hpp"
#include "core/reports/field_block.hpp"
#include "core/reports/status_code.hpp"
#include "core/util/strings.hpp"

namespace sw::reports {
namespace {

bool is_recipient_field(std::string_view name) {
    return iequals(name, "Final-Recipient") || iequals(name, "Original-Recipient") || iequals(name, "Action") ||
           iequals(name, "Status") || iequals(name, "Diagnostic-Code") || iequals(name, "Remote-MTA") ||
           iequals(name, "Last-Attempt-Date") || iequals(name, "Will-Retry-Until") ||
           iequals(name, "X-Actual-Recipient") || iequals(name, "Final-Log-ID");
}

// Splits a group into per-recipient groups: some MTAs leave out the blank
// line between recipients, so a second Final-Recipient starts a new one.
std::vector<FieldGroup> recipient_groups(const std::vector<FieldGroup>& groups) {
    std::vector<FieldGroup> out;
    for (const auto& g : groups) {
        FieldGroup cur;
        bool has_final = false, has_orig = false;
        for (const auto& f : g) {
            if (!is_recipient_field(f.name)) continue;
            bool final_f = iequals(f.name, "Final-Recipient");
            bool orig_f = iequals(f.name, "Original-Recipient");
            if ((final_f && has_final) || (orig_f && has_orig)) {
                out.push_back(std::move(cur));
                cur.clear();
                has_final = has_orig = false;
            }
            has_final |= final_f;
            has_orig |= orig_f;
            cur.push_back(f);
        }
        if (has_final || has_orig) out.push_back(std::move(cur));
    }
    return out;
}

FailedRecipient recipient_of(const FieldGroup& g) {
    FailedRecipient r;
    r.address = dsn_address(field_value(g, "Final-Recipient"));
    r.original_recipient = dsn_address(field_value(g, "Original-Recipient"));
    if (r.address.empty()) r.address = dsn_address(field_value(g, "X-Actual-Recipient"));
    if (r.address.empty()) r.address = r.original_recipient;
    r.action = to_lower(trim(field_value(g, "Action")));
    if (auto sp = r.action.find_first_of(" \t("); sp != std::string::npos) r.action.resize(sp);
    r.diagnostic = std::string(strip_type(field_value(g, "Diagnostic-Code")));
    r.remote_mta = std::string(strip_type(field_value(g, "Remote-MTA")));
    std::string status = find_enhanced_status(field_value(g, "Status"));
    std::string diag_status = find_enhanced_status(r.diagnostic);
    // "Status: 5.0.0" with "550 5.1.1 ..." in the diagnostic: the remote
    // server's own code says more (same class only).
    if (status.empty() || (status.substr(1) == ".0.0" && !diag_status.empty() && diag_status[0] == status[0]))
        status = diag_status.empty() ? status : diag_status;
    r.status = status;
    r.reply_code = find_reply_code(r.diagnostic.substr(0, 16));
    return r;
}

bool is_failure(const FailedRecipient& r) {
    if (r.action == "failed" || r.action == "delayed") return true;
    if (r.action.empty()) return !r.status.empty() ? r.status[0] != '2' : true;
    // Unknown words some MTAs use ("failure", "undeliverable").
    return r.action != "delivered" && r.action != "relayed" && r.action != "expanded" &&
           (r.status.empty() || r.status[0] != '2');
}

// The whole field value as one RFC 5321 Mailbox when the text scanner
// finds none in it: a quoted local part ("a..b"@example.com) or a domain
// no mail system could resolve (user@#example.net). The report says this
// address failed, whatever its syntax.
std::string whole_mailbox(std::string_view v) {
    v = trim(v);
    if (v.size() >= 2 && v.front() == '<' && v.back() == '>') v = trim(v.substr(1, v.size() - 2));
    auto at = v.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 >= v.size()) return {};
    std::string_view local = v.substr(0, at), domain = v.substr(at + 1);
    bool quoted = local.size() >= 2 && local.front() == '"' && local.back() == '"';
    for (char c : quoted ? std::string_view() : local)
        if (c == '@' || c == '"' || c == '<' || c == '>' || static_cast<unsigned char>(c) <= ' ') return {};
    for (char c : domain)
        if (c == '@' || c == '"' || c == '<' || c == '>' || static_cast<unsigned char>(c) <= ' ') return {};
    for (char c : local)
        if (static_cast<unsigned char>(c) < ' ') return {};
    return std::string(local) + "@" + to_lower(domain);
}

}  // namespace

std::string_view strip_type(std::string_view value) {
    value = trim(value);
    auto semi = value.find(';');
    if (semi != std::string_view::npos && semi < 24) {
        std::string_view type = trim(value.substr(0, semi));
        bool atom = !type.empty() && type.find_first_of(" <@\"") == std::string_view::npos;
        if (atom) return trim(value.substr(semi + 1));
    }
    return value;
}

std::string dsn_address(std::string_view value) {
    std::string_view v = strip_type(value);
    auto found = first_address(v);
    return found ? normalize_address(*found) : whole_mailbox(v);
}

DeliveryStatus parse_delivery_status(std::string_view text) {
    DeliveryStatus ds;
    auto groups = parse_field_groups(text, 2000);
    for (const auto& g : groups) {
        if (auto mta = field_value(g, "Reporting-MTA"); !mta.empty() && ds.reporting_mta.empty())
            ds.reporting_mta = std::string(strip_type(mta));
    }
    for (const auto& g : recipient_groups(groups)) {
        ++ds.recipient_groups;
        FailedRecipient r = recipient_of(g);
        if (r.address.empty() || !is_failure(r)) continue;
        if (r.action != "delayed" && r.action != "failed")
            r.action = (!r.status.empty() && r.status[0] == '4') ? "delayed" : "failed";
        ds.recipients.push_back(std::move(r));
    }
    return ds;
}

}  // namespace sw::reports
