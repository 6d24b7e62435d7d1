// normalize_address; see address.hpp.
#include "core/suppress/address.hpp"

#include <idn2.h>

#include <cstdlib>
#include <memory>

#include "core/util/strings.hpp"

namespace sw::suppress {
namespace {

struct FreeIdn2 {
    void operator()(char* p) const noexcept { idn2_free(p); }
};

bool ascii_lower_in_place(std::string& s) {
    bool ascii = true;
    for (char& c : s) {
        auto u = static_cast<unsigned char>(c);
        if (u >= 0x80) ascii = false;
        else if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return ascii;
}

Result<std::string> domain_key(std::string_view text) {
    std::string d(text);
    if (!d.empty() && d.back() == '.') d.pop_back();  // the root label
    if (d.empty()) return fail("no domain");
    if (!ascii_lower_in_place(d)) {
        char* out = nullptr;
        int rc = idn2_to_ascii_8z(d.c_str(), &out, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
        std::unique_ptr<char, FreeIdn2> owned(out);
        if (rc != IDN2_OK) return fail("domain '" + d + "' is not a valid IDN (" + idn2_strerror(rc) + ")");
        d = owned.get();
        ascii_lower_in_place(d);
    }
    if (d.size() > 253) return fail("domain longer than 253 octets");
    std::size_t label = 0;
    for (char c : d) {
        if (c == '.') {
            if (label == 0) return fail("empty label in domain '" + d + "'");
            label = 0;
            continue;
        }
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok) return fail("character '" + std::string(1, c) + "' in domain '" + d + "'");
        if (++label > 63) return fail("label longer than 63 octets in domain '" + d + "'");
    }
    if (label == 0) return fail("empty label in domain '" + d + "'");
    return d;
}

}  // namespace

LocalPartCase local_part_case(std::string_view setting) {
    return setting == "sensitive" ? LocalPartCase::Sensitive : LocalPartCase::Insensitive;
}

Result<Address> normalize_address(std::string_view text, LocalPartCase mode) {
    std::string_view t = trim(text);
    if (t.size() >= 2 && t.front() == '<' && t.back() == '>') t = trim(t.substr(1, t.size() - 2));
    auto at = t.rfind('@');
    if (at == std::string_view::npos) return fail("'" + std::string(t) + "' has no @domain");
    Address a;
    a.local = std::string(t.substr(0, at));
    for (char c : a.local) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x21 || u == 0x7f) return fail("control character or space in the local part");
    }
    if (a.local.size() > 64) return fail("local part longer than 64 octets");
    if (mode == LocalPartCase::Insensitive) ascii_lower_in_place(a.local);
    auto domain = domain_key(t.substr(at + 1));
    if (!domain) return fail(domain.error());
    a.domain = std::move(*domain);
    return a;
}

}  // namespace sw::suppress
