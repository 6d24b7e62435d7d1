// IpPrefix: an IPv4 or IPv6 network (address + prefix length), parsed from
// text, with containment and canonical text form. IPv4-mapped IPv6 addresses
// (::ffff:a.b.c.d) are unmapped to IPv4 first, so one client is one key.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sw {

class IpPrefix {
public:
    // "192.0.2.7", "2001:db8::1", "10.0.0.0/8", "2001:db8::/32". A bare
    // address is a host prefix (/32 or /128). Host bits are cleared.
    static std::optional<IpPrefix> parse(std::string_view text);

    // The network of `addr` truncated to `v4_bits` / `v6_bits` (e.g. a client
    // counted per /64 for IPv6).
    static std::optional<IpPrefix> client_network(std::string_view addr, int v4_bits, int v6_bits);

    bool is_v4() const noexcept { return v4_; }
    int bits() const noexcept { return bits_; }
    bool contains(const IpPrefix& other) const noexcept;
    std::string to_string() const;  // "192.0.2.7" for hosts, "2001:db8::/64" else
    std::string first_address() const;  // the network's lowest address: "2001:db8::"
    bool operator==(const IpPrefix&) const = default;

private:
    void clear_host_bits();
    std::array<std::uint8_t, 16> addr_{};
    int bits_ = 0;
    bool v4_ = true;
};

}  // namespace sw
