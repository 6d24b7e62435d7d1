// Wire-format RDATA of one resource record -> the fields of dns::Answer
// (RFC 1035 §3.3: A, TXT, MX, PTR, CNAME; RFC 3596: AAAA). Pure functions
// over untrusted bytes: every read is bounds-checked, a malformed record is
// reported as nullopt/false, never a crash. Knows nothing of libunbound.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "core/dns/resolver.hpp"

namespace sw::dns {

using Rdata = std::span<const std::uint8_t>;

// A: exactly 4 octets; AAAA: exactly 16.
std::optional<Address> parse_a(Rdata rdata);
std::optional<Address> parse_aaaa(Rdata rdata);

// TXT/SPF: one or more <character-string>s, concatenated without separator
// (RFC 7208 §3.3). An empty RDATA or a length octet pointing past the end
// is malformed.
std::optional<std::string> parse_txt(Rdata rdata);

// An uncompressed wire-format domain name filling the whole of `rdata`
// (PTR, CNAME), in presentation form without the trailing dot: "." , "\\"
// and bytes outside printable ASCII inside a label are escaped as RFC 1035
// §5.1 does ("\.", "\\", "\DDD"). The root name is "". Compression pointers
// and labels past the end are malformed (libunbound hands rdata names
// uncompressed).
std::optional<std::string> parse_name(Rdata rdata);

// MX: 16-bit preference then an uncompressed name filling the rest.
std::optional<Mx> parse_mx(Rdata rdata);

// Adds one record of query type `type` to the matching vector of `answer`;
// false (and `answer` unchanged) when the record is malformed.
bool add_rdata(Type type, Rdata rdata, Answer& answer);

}  // namespace sw::dns
