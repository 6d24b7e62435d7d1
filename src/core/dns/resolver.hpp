// dns::Resolver: the one narrow DNS interface of the core. SPF evaluation,
// DKIM key checks (keys activate, later dns-check) ask it; production uses
// UnboundResolver (libunbound, configurable forwarder), tests answer from
// in-memory zone data. Blocking; implementations must be thread-safe (the
// milter calls it from libmilter's worker threads).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sw::dns {

enum class Type : std::uint16_t {
    A = 1,
    CNAME = 5,
    PTR = 12,
    MX = 15,
    TXT = 16,
    AAAA = 28,
    SPF = 99,
};

enum class Status {
    ok,         // the name exists; `records` may be empty (NODATA)
    nxdomain,   // the name does not exist
    temporary,  // timeout, SERVFAIL, REFUSED, network error: try again later
};

struct Address {
    std::array<std::uint8_t, 16> bytes{};  // IPv4 in the first 4 octets
    bool v4 = true;
    bool operator==(const Address&) const = default;
};

struct Mx {
    std::uint16_t preference = 0;
    std::string host;  // no trailing dot
};

// One answer. Only the vector that matches the query type is filled:
//   A / AAAA -> addresses; TXT / SPF -> texts (each RR's character-strings
//   concatenated without separator, RFC 7208 §3.3); MX -> mx (any order);
//   PTR / CNAME -> names (no trailing dot).
struct Answer {
    Status status = Status::ok;
    std::vector<Address> addresses;
    std::vector<std::string> texts;
    std::vector<Mx> mx;
    std::vector<std::string> names;
    std::string error;  // for logs when status == temporary

    bool empty() const noexcept {
        return addresses.empty() && texts.empty() && mx.empty() && names.empty();
    }
};

class Resolver {
public:
    virtual ~Resolver() = default;
    // `name` without a trailing dot (one is tolerated). Never throws.
    virtual Answer query(std::string_view name, Type type) = 0;
};

}  // namespace sw::dns
