// spf_domain: domain-name checks of RFC 7208. §4.3: the domain whose policy
// is checked must be a multi-label name with no empty or over-long label
// (else the result is "none"). §4.8/§7.3: a target name after macro expansion
// loses a trailing dot and is truncated from the left to 253 octets; a name
// DNS cannot carry is treated as non-existent. §5.5: the ptr suffix test.
// No DNS here.
#pragma once

#include <string>
#include <string_view>

namespace sw::spf {

// §4.3: multi-label, every label 1..63 octets, at most 253 octets (one
// trailing dot tolerated), not an address literal ("[192.0.2.1]").
bool is_checkable_domain(std::string_view domain) noexcept;

// The name to query for an expanded target held in `name`: trailing dot
// dropped, leading labels removed until it fits in 253 octets (§7.3). Empty
// when DNS cannot carry it (empty label, label over 63 octets): the caller
// treats that as a name that does not exist. The view points into `name`.
std::string_view finish_target(const std::string& name) noexcept;

// `name` equals `domain` or ends in "." + `domain`, ignoring ASCII case and
// one trailing dot on either.
bool is_within(std::string_view name, std::string_view domain) noexcept;

}  // namespace sw::spf
