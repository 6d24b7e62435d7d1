// find_addresses, normalize_address; see address_text.hpp.
#include "core/reports/address_text.hpp"

#include <cctype>
#include <cstring>

#include "core/util/strings.hpp"

namespace sw::reports {
namespace {

bool local_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || (c != 0 && std::strchr(".!#$%&'*+=?^_`{|}~-", c));
}
bool domain_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.'; }

// Domain of at least two labels whose last label is alphabetic (2+ letters):
// "example.com", not "12.34", ".example.com" or a Message-ID's "1234@5678".
bool plausible_domain(std::string_view d) {
    auto dot = d.rfind('.');
    if (dot == std::string_view::npos || dot == 0) return false;
    std::string_view tld = d.substr(dot + 1);
    if (tld.empty() || tld.size() > 63) return false;
    for (char c : tld)
        if (!std::isalpha(static_cast<unsigned char>(c))) return false;
    return d.find("..") == std::string_view::npos && d.front() != '-' && d.front() != '.';
}

}  // namespace

std::vector<AddressHit> find_addresses(std::string_view t, std::size_t max_hits) {
    std::vector<AddressHit> hits;
    std::size_t from = 0;
    while (hits.size() < max_hits) {
        std::size_t at = t.find('@', from);
        if (at == std::string_view::npos) break;
        from = at + 1;
        std::size_t b = at;
        while (b > 0 && at - b < 128 && local_char(t[b - 1])) --b;
        while (b < at && (t[b] == '.' || t[b] == '\'' || t[b] == '=')) ++b;  // "='x@y'", "..x@y"
        std::size_t e = at + 1;
        while (e < t.size() && e - at < 256 && domain_char(t[e])) ++e;
        while (e > at + 1 && (t[e - 1] == '.' || t[e - 1] == '-')) --e;
        if (b == at || e == at + 1) continue;
        std::string_view local = t.substr(b, at - b);
        std::string_view domain = t.substr(at + 1, e - at - 1);
        if (local.back() == '.' || !plausible_domain(domain)) continue;
        hits.push_back({t.substr(b, e - b), b});
        from = e;
    }
    return hits;
}

std::optional<std::string_view> first_address(std::string_view text) {
    auto hits = find_addresses(text, 1);
    if (hits.empty()) return std::nullopt;
    return hits.front().address;
}

std::string normalize_address(std::string_view address) {
    address = trim(address);
    while (!address.empty() && (address.front() == '<' || address.front() == '"')) address.remove_prefix(1);
    while (!address.empty() && (address.back() == '>' || address.back() == '"' || address.back() == '.'))
        address.remove_suffix(1);
    auto at = address.rfind('@');
    if (at == std::string_view::npos) return std::string(address);
    return std::string(address.substr(0, at + 1)) + to_lower(address.substr(at + 1));
}

std::string address_key(std::string_view address) { return to_lower(normalize_address(address)); }

}  // namespace sw::reports
