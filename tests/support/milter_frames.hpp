// Milter frames as Postfix's milter8 client sends them, and our replies cut
// back into frames, for the tests of src/milter (conversation and server).
// The payload layouts follow libmilter's mfdef.h and Postfix milter8.c.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "milter/milter_wire.hpp"

namespace sw::test::mta {

namespace cmd = milter::wire::command;

inline std::string be32(std::uint32_t v) {
    return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

inline std::uint32_t read_be32(std::string_view s) {
    if (s.size() < 4) throw std::runtime_error("fewer than 4 octets for a 32-bit number");
    const auto* u = reinterpret_cast<const unsigned char*>(s.data());
    return (std::uint32_t{u[0]} << 24) | (std::uint32_t{u[1]} << 16) | (std::uint32_t{u[2]} << 8) | u[3];
}

// Each string followed by its NUL.
inline std::string strings(std::initializer_list<std::string_view> parts) {
    std::string out;
    for (auto p : parts) out.append(p).push_back('\0');
    return out;
}

// What Postfix 3.7 offers: protocol 6, every action, every step bit.
inline constexpr std::uint32_t kAllActions = 0x1FF;
inline constexpr std::uint32_t kAllSteps = 0x1FFFFF;

inline std::string negotiate(std::uint32_t steps = kAllSteps, std::uint32_t actions = kAllActions,
                             std::uint32_t version = 6) {
    return milter::wire::frame(cmd::Negotiate, be32(version) + be32(actions) + be32(steps));
}

// family '4' or '6' (address as Postfix writes it), 'L' (path), 'U' (no address).
inline std::string connect(std::string_view host, char family, std::uint16_t port, std::string_view address) {
    std::string data = strings({host});
    data.push_back(family);
    if (family != 'U') {
        data.push_back(static_cast<char>(port >> 8));
        data.push_back(static_cast<char>(port & 0xFF));
        data.append(address).push_back('\0');
    }
    return milter::wire::frame(cmd::Connect, data);
}

inline std::string macros(char for_command, std::initializer_list<std::pair<std::string_view, std::string_view>> nv) {
    std::string data(1, for_command);
    for (const auto& [n, v] : nv) data += strings({n, v});
    return milter::wire::frame(cmd::Macro, data);
}

inline std::string helo(std::string_view name) { return milter::wire::frame(cmd::Helo, strings({name})); }
inline std::string mail(std::string_view address) {
    return milter::wire::frame(cmd::Mail, strings({address, "SIZE=512"}));
}
inline std::string rcpt(std::string_view address) { return milter::wire::frame(cmd::Rcpt, strings({address})); }
inline std::string header(std::string_view name, std::string_view value) {
    return milter::wire::frame(cmd::Header, strings({name, value}));
}
inline std::string end_of_headers() { return milter::wire::frame(cmd::EndOfHeaders, ""); }
inline std::string body(std::string_view chunk) { return milter::wire::frame(cmd::Body, chunk); }
inline std::string end_of_message() { return milter::wire::frame(cmd::EndOfMessage, ""); }
inline std::string abort_message() { return milter::wire::frame(cmd::Abort, ""); }
inline std::string quit() { return milter::wire::frame(cmd::Quit, ""); }
inline std::string quit_new_connection() { return milter::wire::frame(cmd::QuitNewConnection, ""); }

// One message of an authenticated user (outbound, signed), from MAIL FROM
// to end of message, with queue id `queue_id` (macro i) when not empty.
inline std::string outbound_message(std::string_view user, std::string_view queue_id = "4XyZ1Q") {
    std::string s;
    if (!user.empty()) s += macros(cmd::Mail, {{"{auth_authen}", user}, {"{mail_addr}", "alice@acme.example"}});
    s += mail("<alice@acme.example>");
    s += header("From", "Alice <alice@acme.example>");
    s += header("To", "bob@example.org");
    s += header("Subject", "hello");
    if (!queue_id.empty()) s += macros(cmd::EndOfHeaders, {{"i", queue_id}});
    s += end_of_headers();
    s += body("Hello Bob,\r\n\r\nsee you.\r\n");
    if (!queue_id.empty()) s += macros(cmd::EndOfMessage, {{"i", queue_id}});
    s += end_of_message();
    return s;
}

// Negotiation, connect and HELO of a client.
inline std::string session_start(std::string_view client_addr = "198.51.100.7",
                                 std::string_view client_name = "client.example") {
    return negotiate() + macros(cmd::Connect, {{"j", "mx.test"}, {"{daemon_name}", "smtpd"}}) +
           connect(client_name, '4', 41234, client_addr) + helo(client_name);
}

struct Reply {
    char command = 0;
    std::string data;
    friend bool operator==(const Reply&, const Reply&) = default;
};

// Cuts `bytes` (replies of the milter) into frames; throws on a partial or
// bad frame, so a test sees exactly what was sent.
inline std::vector<Reply> cut_replies(std::string_view bytes) {
    milter::wire::FrameReader reader;
    reader.append(bytes);
    std::vector<Reply> out;
    for (;;) {
        milter::wire::Frame f;
        auto st = reader.next(f);
        if (st == milter::wire::FrameReader::Status::Bad) throw std::runtime_error("bad reply frame: " + reader.why());
        if (st == milter::wire::FrameReader::Status::NeedMore) break;
        out.push_back({f.command, std::string(f.data)});
    }
    if (reader.mid_frame()) throw std::runtime_error("replies end inside a frame");
    return out;
}

// The reply commands in order, as a string ("ciic"): easy to compare.
inline std::string commands_of(const std::vector<Reply>& replies) {
    std::string out;
    for (const auto& r : replies) out.push_back(r.command);
    return out;
}

// An insert ('i') or change ('m') header reply: index, name, value.
struct HeaderReply {
    std::uint32_t index = 0;
    std::string name, value;
};
inline HeaderReply header_reply(const Reply& r) {
    HeaderReply h;
    h.index = read_be32(r.data);
    auto rest = std::string_view(r.data).substr(4);
    auto parts = milter::wire::split_strings(rest);
    if (parts.size() != 2 || rest.empty() || rest.back() != '\0')
        throw std::runtime_error("header reply is not index, name NUL, value NUL");
    h.name = std::string(parts[0]);
    h.value = std::string(parts[1]);
    return h;
}

}  // namespace sw::test::mta
