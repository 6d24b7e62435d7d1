// IpPrefix parsing and matching; inet_pton does the address syntax.
#include "core/util/ip_prefix.hpp"

#include <arpa/inet.h>

#include <cstring>

#include "core/util/strings.hpp"

namespace sw {

std::optional<IpPrefix> IpPrefix::parse(std::string_view text) {
    std::string_view addr = text;
    std::optional<std::uint64_t> bits;
    if (auto slash = text.find('/'); slash != std::string_view::npos) {
        addr = text.substr(0, slash);
        bits = parse_uint(text.substr(slash + 1));
        if (!bits) return std::nullopt;
    }
    if (addr.empty() || addr.size() > 64) return std::nullopt;
    std::string a(addr);
    IpPrefix p;
    in_addr v4{};
    in6_addr v6{};
    if (inet_pton(AF_INET, a.c_str(), &v4) == 1) {
        p.v4_ = true;
        std::memcpy(p.addr_.data(), &v4, 4);
        p.bits_ = bits ? static_cast<int>(*bits) : 32;
        if (bits && *bits > 32) return std::nullopt;
    } else if (inet_pton(AF_INET6, a.c_str(), &v6) == 1) {
        static const std::uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (bits && *bits > 128) return std::nullopt;
        if (std::memcmp(&v6, mapped, 12) == 0 && (!bits || *bits >= 96)) {
            p.v4_ = true;
            std::memcpy(p.addr_.data(), reinterpret_cast<const std::uint8_t*>(&v6) + 12, 4);
            p.bits_ = bits ? static_cast<int>(*bits) - 96 : 32;
        } else {
            p.v4_ = false;
            std::memcpy(p.addr_.data(), &v6, 16);
            p.bits_ = bits ? static_cast<int>(*bits) : 128;
        }
    } else {
        return std::nullopt;
    }
    p.clear_host_bits();
    return p;
}

std::optional<IpPrefix> IpPrefix::client_network(std::string_view addr, int v4_bits, int v6_bits) {
    auto p = parse(addr);
    if (!p || addr.find('/') != std::string_view::npos) return std::nullopt;
    p->bits_ = p->v4_ ? v4_bits : v6_bits;
    p->clear_host_bits();
    return p;
}

void IpPrefix::clear_host_bits() {
    int total = v4_ ? 32 : 128;
    for (int i = bits_; i < total; ++i) addr_[i / 8] &= static_cast<std::uint8_t>(~(0x80u >> (i % 8)));
    for (int i = total / 8; i < 16; ++i) addr_[i] = 0;
}

bool IpPrefix::contains(const IpPrefix& other) const noexcept {
    if (v4_ != other.v4_ || other.bits_ < bits_) return false;
    for (int i = 0; i < bits_; ++i) {
        std::uint8_t m = static_cast<std::uint8_t>(0x80u >> (i % 8));
        if ((addr_[i / 8] & m) != (other.addr_[i / 8] & m)) return false;
    }
    return true;
}

std::string IpPrefix::to_string() const {
    std::string s = first_address();
    if (bits_ != (v4_ ? 32 : 128)) s += "/" + std::to_string(bits_);
    return s;
}

std::string IpPrefix::first_address() const {
    std::string s;
    if (v4_) {
        // Per request (client buckets): glibc's inet_ntop formats through
        // sprintf, which costs more than the whole bucket lookup.
        s.reserve(18);
        for (int i = 0; i < 4; ++i) {
            if (i) s.push_back('.');
            s += std::to_string(addr_[i]);
        }
    } else {
        char buf[INET6_ADDRSTRLEN] = {};
        inet_ntop(AF_INET6, addr_.data(), buf, sizeof buf);
        s = buf;
    }
    return s;
}

}  // namespace sw
