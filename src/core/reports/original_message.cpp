// extract_original; see original_message.hpp.
#include "core/reports/original_message.hpp"

#include <cctype>

#include "core/reports/address_text.hpp"
#include "core/reports/field_block.hpp"
#include "core/util/strings.hpp"

namespace sw::reports {
namespace {

// The header block of an inline copy: from the first "Name: value" line
// after the separator.
FieldGroup quoted_headers(std::string_view quoted) {
    std::size_t pos = 0;
    for (int n = 0; pos < quoted.size() && n < 40; ++n) {
        std::size_t end = quoted.find('\n', pos);
        if (end == std::string_view::npos) end = quoted.size();
        std::string_view line = trim(quoted.substr(pos, end - pos));
        auto colon = line.find(':');
        if (colon != std::string_view::npos && colon > 0 && line.find(' ') > colon) {
            FieldGroup g = parse_header_block(quoted.substr(quoted.find_first_not_of(" \t", pos)));
            if (g.size() >= 2) return g;
        }
        pos = end + 1;
    }
    return {};
}

// "Postfix queue ID: 4ABC123" and the like; a queue ID is alphanumeric.
std::string queue_id_in_text(std::string_view text) {
    std::string lower = to_lower(text.substr(0, 64 * 1024));
    for (std::string_view key : {"queue id:", "queue-id:", "queue id ", "queue-id "}) {
        auto p = lower.find(key);
        if (p == std::string::npos) continue;
        p += key.size();
        while (p < text.size() && (text[p] == ' ' || text[p] == '\t' || text[p] == ':')) ++p;
        std::size_t e = p;
        while (e < text.size() && std::isalnum(static_cast<unsigned char>(text[e]))) ++e;
        if (e - p >= 5 && e - p <= 64) return std::string(text.substr(p, e - p));
    }
    return {};
}

std::string queue_id_of(std::string_view value) {
    std::string_view v = trim(value);
    std::size_t e = 0;
    while (e < v.size() && std::isalnum(static_cast<unsigned char>(v[e]))) ++e;
    return std::string(v.substr(0, e));
}

}  // namespace

void extract_original(const MimeMessage& m, const BounceText& text, ParsedReport& out) {
    FieldGroup orig;
    if (!m.enclosed.empty()) orig = m.enclosed.front();
    if (orig.empty()) {
        for (const auto& leaf : m.leaves)
            if (leaf.content_type == "text/rfc822-headers") {
                orig = parse_header_block(leaf.body);
                break;
            }
    }
    if (orig.empty() && !text.quoted.empty()) orig = quoted_headers(text.quoted);

    out.original_queue_id = queue_id_of(field_value(orig, "X-Postfix-Queue-ID"));
    if (out.original_queue_id.empty()) {
        for (const auto& leaf : m.leaves) {
            if (leaf.message_level != 0 || leaf.content_type.find("delivery-status") == std::string::npos) continue;
            for (const auto& g : parse_field_groups(leaf.body, 1))
                out.original_queue_id = queue_id_of(field_value(g, "X-Postfix-Queue-ID"));
            break;
        }
    }
    if (out.original_queue_id.empty()) out.original_queue_id = queue_id_in_text(text.notice);

    std::string_view mid = trim(field_value(orig, "Message-ID"));
    if (auto lt = mid.find('<'); lt != std::string_view::npos) {
        auto gt = mid.find('>', lt);
        if (gt != std::string_view::npos) out.original_message_id = std::string(mid.substr(lt, gt - lt + 1));
    } else if (!mid.empty() && mid.find(' ') == std::string_view::npos) {
        out.original_message_id = "<" + std::string(mid) + ">";
    }

    auto from = first_address(field_value(orig, "From"));
    auto rp = first_address(field_value(orig, "Return-Path"));
    if (rp) out.original_sender = normalize_address(*rp);
    else if (from) out.original_sender = normalize_address(*from);
    if (from) {
        std::string f = normalize_address(*from);
        out.original_from_domain = f.substr(f.rfind('@') + 1);
    }
}

}  // namespace sw::reports
