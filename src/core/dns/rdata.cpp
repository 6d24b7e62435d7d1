// RDATA parsing (see rdata.hpp). Every index is checked against the span
// size before the byte is read; names are limited to 255 wire octets and
// labels to 63 (RFC 1035 §2.3.4), anything else is malformed.
#include "core/dns/rdata.hpp"

#include <cstdio>
#include <cstring>

namespace sw::dns {
namespace {

constexpr std::size_t kMaxNameWire = 255;
constexpr std::size_t kMaxLabel = 63;

void append_label_byte(std::string& out, std::uint8_t c) {
    if (c == '.' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
    } else if (c < 0x21 || c > 0x7e) {
        char buf[5];
        std::snprintf(buf, sizeof buf, "\\%03u", static_cast<unsigned>(c));
        out += buf;
    } else {
        out += static_cast<char>(c);
    }
}

}  // namespace

std::optional<Address> parse_a(Rdata rdata) {
    if (rdata.size() != 4) return std::nullopt;
    Address a;
    a.v4 = true;
    std::memcpy(a.bytes.data(), rdata.data(), 4);
    return a;
}

std::optional<Address> parse_aaaa(Rdata rdata) {
    if (rdata.size() != 16) return std::nullopt;
    Address a;
    a.v4 = false;
    std::memcpy(a.bytes.data(), rdata.data(), 16);
    return a;
}

std::optional<std::string> parse_txt(Rdata rdata) {
    if (rdata.empty()) return std::nullopt;
    std::string out;
    out.reserve(rdata.size());
    std::size_t pos = 0;
    while (pos < rdata.size()) {
        std::size_t len = rdata[pos++];
        if (len > rdata.size() - pos) return std::nullopt;
        out.append(reinterpret_cast<const char*>(rdata.data() + pos), len);
        pos += len;
    }
    return out;
}

std::optional<std::string> parse_name(Rdata rdata) {
    std::string out;
    std::size_t pos = 0;
    for (;;) {
        if (pos >= rdata.size()) return std::nullopt;  // no root label
        std::size_t len = rdata[pos++];
        if (len == 0) break;
        if (len > kMaxLabel) return std::nullopt;  // pointer or reserved label type
        if (len > rdata.size() - pos) return std::nullopt;
        if (!out.empty()) out += '.';
        for (std::size_t i = 0; i < len; ++i) append_label_byte(out, rdata[pos + i]);
        pos += len;
    }
    if (pos > kMaxNameWire) return std::nullopt;
    if (pos != rdata.size()) return std::nullopt;  // trailing bytes after the name
    return out;
}

std::optional<Mx> parse_mx(Rdata rdata) {
    if (rdata.size() < 3) return std::nullopt;
    auto host = parse_name(rdata.subspan(2));
    if (!host) return std::nullopt;
    Mx mx;
    mx.preference = static_cast<std::uint16_t>((rdata[0] << 8) | rdata[1]);
    mx.host = std::move(*host);
    return mx;
}

bool add_rdata(Type type, Rdata rdata, Answer& answer) {
    switch (type) {
    case Type::A:
        if (auto a = parse_a(rdata)) {
            answer.addresses.push_back(*a);
            return true;
        }
        return false;
    case Type::AAAA:
        if (auto a = parse_aaaa(rdata)) {
            answer.addresses.push_back(*a);
            return true;
        }
        return false;
    case Type::TXT:
    case Type::SPF:
        if (auto t = parse_txt(rdata)) {
            answer.texts.push_back(std::move(*t));
            return true;
        }
        return false;
    case Type::MX:
        if (auto m = parse_mx(rdata)) {
            answer.mx.push_back(std::move(*m));
            return true;
        }
        return false;
    case Type::PTR:
    case Type::CNAME:
        if (auto n = parse_name(rdata)) {
            answer.names.push_back(std::move(*n));
            return true;
        }
        return false;
    }
    return false;
}

}  // namespace sw::dns
