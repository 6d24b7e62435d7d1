// spf_record: the SPF record parser, a pure function from record text to a
// parsed Record or the permerror reason (RFC 7208 §4.5 version, §4.6 terms,
// §5 mechanisms, §6 modifiers, §12 ABNF). Every malformed term anywhere in
// the record is an error (§4.6); nothing here queries DNS or expands macros.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/dns/resolver.hpp"
#include "core/util/result.hpp"

namespace sw::spf {

enum class Qualifier : char { pass = '+', fail = '-', softfail = '~', neutral = '?' };

enum class MechanismKind { all, include, a, mx, ptr, ip4, ip6, exists };

// One directive. The views point into the text given to parse_record().
struct Mechanism {
    Qualifier qualifier = Qualifier::pass;
    MechanismKind kind = MechanismKind::all;
    std::string_view text;         // the term as written, e.g. "-ip4:192.0.2.0/24"
    std::string_view domain_spec;  // include a mx ptr exists; empty: the current domain
    std::uint8_t cidr4 = 32;       // a mx ip4
    std::uint8_t cidr6 = 128;      // a mx ip6
    dns::Address network;          // ip4 ip6
};

// A parsed record. Views point into the text given to parse_record(), so
// the Record must not outlive it.
struct Record {
    std::vector<Mechanism> mechanisms;      // in record order
    std::optional<std::string_view> redirect;  // domain-spec of redirect=
    std::optional<std::string_view> exp;       // domain-spec of exp=
};

// §4.5: "v=spf1" (any case) followed by a space or the end of the text.
bool is_spf_record(std::string_view text) noexcept;

// Parses a whole record ("v=spf1 ..."). The error message names the term.
// (sw::Result: spf::Result is the SPF result code.)
sw::Result<Record> parse_record(std::string_view text);

}  // namespace sw::spf
