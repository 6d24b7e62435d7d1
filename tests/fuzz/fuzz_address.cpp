// libFuzzer target: address and identifier normalisation, the small parsers
// that turn untrusted text into lookup keys: suppression keys (both local-part
// modes), addresses found in bounce text, Message-IDs of the sent index, the
// From: author, client IPs and networks, organisational domains and DMARC
// DNS records. Besides "no crash", each key must be a fixed point: normalising
// a key again gives the same key, or a suppression, sent-index or alignment
// lookup made with the stored key misses.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/dkim/from_address.hpp"
#include "core/dnscheck/dmarc_record.hpp"
#include "core/reports/address_text.hpp"
#include "core/sent/sent_index.hpp"
#include "core/spf/spf_address.hpp"
#include "core/suppress/address.hpp"
#include "core/util/ip_prefix.hpp"
#include "core/util/org_domain.hpp"
#include "core/util/strings.hpp"

namespace {

bool has_upper_ascii(std::string_view s) {
    for (char c : s)
        if (c >= 'A' && c <= 'Z') return true;
    return false;
}

void check_suppression_key(std::string_view text) {
    using sw::suppress::LocalPartCase;
    auto folded = sw::suppress::normalize_address(text, LocalPartCase::Insensitive);
    auto exact = sw::suppress::normalize_address(text, LocalPartCase::Sensitive);
    if (folded.ok() != exact.ok()) std::abort();  // the mode changes case, never acceptance
    if (!folded) return;
    if (folded->domain != exact->domain || folded->local != sw::to_lower(exact->local)) std::abort();
    if (folded->whole_domain() != folded->local.empty() || folded->local.size() > 64) std::abort();
    if (folded->domain.empty() || folded->domain.size() > 253) std::abort();
    for (char c : folded->domain)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) std::abort();
    for (auto mode : {LocalPartCase::Insensitive, LocalPartCase::Sensitive}) {
        const std::string key = (mode == LocalPartCase::Insensitive ? folded : exact)->key();
        auto again = sw::suppress::normalize_address(key, mode);
        if (!again || again->key() != key) std::abort();
    }
}

// Hits are views into the text, in order. They may share characters:
// "a@b.example.c@d.example" gives "a@b.example.c" and "b.example.c@d.example"
// (text written back to back has no one right reading).
void check_found_addresses(std::string_view text) {
    auto hits = sw::reports::find_addresses(text, 50);
    for (std::size_t i = 0; i < hits.size(); ++i) {
        const auto& h = hits[i];
        if (h.address.data() != text.data() + h.pos || h.pos + h.address.size() > text.size()) std::abort();
        if (i > 0 && h.pos + h.address.size() <= hits[i - 1].pos + hits[i - 1].address.size()) std::abort();
        if (h.address.find('@') == std::string_view::npos) std::abort();
        const std::string stored = sw::reports::normalize_address(h.address);
        if (sw::reports::normalize_address(stored) != stored) std::abort();
        if (sw::reports::address_key(h.address) != sw::to_lower(stored)) std::abort();
    }
    auto first = sw::reports::first_address(text);
    if (first.has_value() != !hits.empty() || (first && first->data() != hits.front().address.data())) std::abort();
    (void)sw::reports::normalize_address(text);
}

void check_message_id(std::string_view text) {
    const std::string id = sw::sent::normalize_message_id(text);
    if (id.empty()) return;
    if (id.size() < 3 || id.front() != '<' || id.back() != '>') std::abort();
    if (sw::sent::normalize_message_id(id) != id) std::abort();  // the milter's key is ingest's key
}

void check_client_address(std::string_view text) {
    static constexpr std::uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (auto a = sw::spf::parse_client_address(text)) {
        if (!a->v4 && std::memcmp(a->bytes.data(), mapped, 12) == 0) std::abort();  // unmapped, always
        std::string readable, dotted, reverse;
        sw::spf::append_readable(*a, readable);
        sw::spf::append_dotted(*a, dotted);
        sw::spf::append_reverse_name(*a, reverse);
        if (sw::spf::parse_client_address(readable) != a) std::abort();
        if (!sw::spf::in_network(*a, *a, a->v4 ? 32 : 128)) std::abort();
    }
    (void)sw::spf::parse_ip4(text);
    (void)sw::spf::parse_ip6(text);
    if (auto p = sw::IpPrefix::parse(text)) {
        if (sw::IpPrefix::parse(p->to_string()) != p || !p->contains(*p)) std::abort();
    }
    if (auto net = sw::IpPrefix::client_network(text, 24, 64)) {
        auto host = sw::IpPrefix::parse(text);
        if (!host || !net->contains(*host)) std::abort();
    }
}

// The organisational domain is the name itself or one of its parents, and
// its own organisational domain (relaxed alignment compares these).
void check_org_domain(std::string_view text) {
    std::string name = sw::to_lower(text);
    while (!name.empty() && name.back() == '.') name.pop_back();
    const std::string org = sw::org_domain(text);
    if (org != name && !(name.size() > org.size() + 1 && !org.empty() && name.ends_with("." + org))) std::abort();
    if (sw::org_domain(org) != org) std::abort();
    (void)sw::same_org_domain(text, "example.com");
}

void check_author(const std::string& text) {
    auto r = sw::dkim::author_of({text});
    if (!r.ok) return;
    if (r.domain.empty() || r.domain.back() == '.' || has_upper_ascii(r.domain)) std::abort();
    if (r.address.find('@') == std::string::npos) std::abort();
}

void check_dmarc_record(std::string_view text) {
    auto r = sw::dnscheck::parse_dmarc_record(text);
    if (!sw::dnscheck::is_dmarc_record(text) && r.errors.size() != 1) std::abort();
    if (r.pct < 0 || r.pct > 100 || (r.adkim != 'r' && r.adkim != 's') || (r.aspf != 'r' && r.aspf != 's'))
        std::abort();
    for (const auto& uri : r.rua) (void)sw::dnscheck::mailto_address(uri);
    if (has_upper_ascii(sw::dnscheck::mailto_address(text))) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    sw::dkim::init_mime_library();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    check_suppression_key(text);
    check_found_addresses(text);
    check_message_id(text);
    check_client_address(text);
    check_org_domain(text);
    check_author(text);
    check_dmarc_record(text);
    return 0;
}
