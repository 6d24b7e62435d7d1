// spf_address: IP addresses as SPF sees them. The client address with
// IPv4-mapped IPv6 unmapped (RFC 7208 §5 and §5.6: such a client is IPv4 and
// only ip4/A data can match it), the literal networks of ip4:/ip6: (never
// unmapped), CIDR matching, and the address forms of the macros (§7.3: %{i}
// dot-format, %{c} readable form) and of the ptr query (§5.5).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/dns/resolver.hpp"

namespace sw::spf {

// The SMTP client: "192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1" (-> IPv4).
std::optional<dns::Address> parse_client_address(std::string_view text) noexcept;

// ip4-network / ip6-network of RFC 7208 §5.6, taken literally.
std::optional<dns::Address> parse_ip4(std::string_view text) noexcept;
std::optional<dns::Address> parse_ip6(std::string_view text) noexcept;

// Whether `addr` lies in `net`/`bits`; false across address families.
bool in_network(const dns::Address& addr, const dns::Address& net, int bits) noexcept;

// %{i}: dotted quad, or 32 lowercase nibbles separated by dots (RFC 7208 §7.3).
void append_dotted(const dns::Address& a, std::string& out);
// %{c}: dotted quad, or the RFC 5952 text form.
void append_readable(const dns::Address& a, std::string& out);
// The PTR query name: "4.3.2.1.in-addr.arpa" or "<nibbles>.ip6.arpa".
void append_reverse_name(const dns::Address& a, std::string& out);

}  // namespace sw::spf
