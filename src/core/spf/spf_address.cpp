// IP address parsing, matching and formatting for SPF; inet_pton/inet_ntop
// do the address syntax. See spf_address.hpp.
#include "core/spf/spf_address.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace sw::spf {

namespace {

constexpr char kHex[] = "0123456789abcdef";

// inet_pton wants a terminated string; every valid address text fits in 46
// bytes (INET6_ADDRSTRLEN), so a longer input is invalid anyway.
bool to_cstr(std::string_view text, char (&buf)[64]) noexcept {
    if (text.empty() || text.size() >= sizeof buf) return false;
    if (text.find('\0') != std::string_view::npos) return false;
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
    return true;
}

}  // namespace

std::optional<dns::Address> parse_ip4(std::string_view text) noexcept {
    char buf[64];
    in_addr v4{};
    if (!to_cstr(text, buf) || inet_pton(AF_INET, buf, &v4) != 1) return std::nullopt;
    dns::Address a;
    std::memcpy(a.bytes.data(), &v4, 4);
    a.v4 = true;
    return a;
}

std::optional<dns::Address> parse_ip6(std::string_view text) noexcept {
    char buf[64];
    in6_addr v6{};
    if (!to_cstr(text, buf) || inet_pton(AF_INET6, buf, &v6) != 1) return std::nullopt;
    dns::Address a;
    std::memcpy(a.bytes.data(), &v6, 16);
    a.v4 = false;
    return a;
}

std::optional<dns::Address> parse_client_address(std::string_view text) noexcept {
    if (auto a = parse_ip4(text)) return a;
    auto a = parse_ip6(text);
    if (!a) return std::nullopt;
    static constexpr std::uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(a->bytes.data(), mapped, 12) == 0) {
        dns::Address v4;
        std::memcpy(v4.bytes.data(), a->bytes.data() + 12, 4);
        v4.v4 = true;
        return v4;
    }
    return a;
}

bool in_network(const dns::Address& addr, const dns::Address& net, int bits) noexcept {
    if (addr.v4 != net.v4) return false;
    int whole = bits / 8;
    if (std::memcmp(addr.bytes.data(), net.bytes.data(), static_cast<std::size_t>(whole)) != 0) return false;
    int rest = bits % 8;
    if (rest == 0) return true;
    auto mask = static_cast<std::uint8_t>(0xffu << (8 - rest));
    return (addr.bytes[static_cast<std::size_t>(whole)] & mask) == (net.bytes[static_cast<std::size_t>(whole)] & mask);
}

namespace {

void append_octet(std::uint8_t v, std::string& out) {
    if (v >= 100) out.push_back(static_cast<char>('0' + v / 100));
    if (v >= 10) out.push_back(static_cast<char>('0' + v / 10 % 10));
    out.push_back(static_cast<char>('0' + v % 10));
}

}  // namespace

void append_dotted(const dns::Address& a, std::string& out) {
    if (a.v4) {
        for (int i = 0; i < 4; ++i) {
            if (i) out.push_back('.');
            append_octet(a.bytes[static_cast<std::size_t>(i)], out);
        }
        return;
    }
    for (int i = 0; i < 16; ++i) {
        if (i) out.push_back('.');
        out.push_back(kHex[a.bytes[static_cast<std::size_t>(i)] >> 4]);
        out.push_back('.');
        out.push_back(kHex[a.bytes[static_cast<std::size_t>(i)] & 0xf]);
    }
}

void append_readable(const dns::Address& a, std::string& out) {
    if (a.v4) {
        append_dotted(a, out);
        return;
    }
    char buf[INET6_ADDRSTRLEN];
    if (inet_ntop(AF_INET6, a.bytes.data(), buf, sizeof buf)) out += buf;
}

void append_reverse_name(const dns::Address& a, std::string& out) {
    if (a.v4) {
        for (int i = 3; i >= 0; --i) {
            append_octet(a.bytes[static_cast<std::size_t>(i)], out);
            out.push_back('.');
        }
        out += "in-addr.arpa";
        return;
    }
    for (int i = 15; i >= 0; --i) {
        out.push_back(kHex[a.bytes[static_cast<std::size_t>(i)] & 0xf]);
        out.push_back('.');
        out.push_back(kHex[a.bytes[static_cast<std::size_t>(i)] >> 4]);
        out.push_back('.');
    }
    out += "ip6.arpa";
}

}  // namespace sw::spf
