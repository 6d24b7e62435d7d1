// The milter wire protocol; see milter_wire.hpp.
#include "milter/milter_wire.hpp"

#include <algorithm>
#include <cstring>

namespace sw::milter::wire {
namespace {

std::uint32_t get_u32(const char* p) {
    const auto* u = reinterpret_cast<const unsigned char*>(p);
    return (std::uint32_t{u[0]} << 24) | (std::uint32_t{u[1]} << 16) | (std::uint32_t{u[2]} << 8) | u[3];
}

void put_u32(std::string& out, std::uint32_t v) {
    const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                       static_cast<char>(v)};
    out.append(b, 4);
}

// Appends a frame header for a payload of `payload_len` bytes.
void put_header(std::string& out, char code, std::size_t payload_len) {
    put_u32(out, static_cast<std::uint32_t>(payload_len + 1));
    out.push_back(code);
}

void put_string(std::string& out, std::string_view s) {
    out.append(s);
    out.push_back('\0');
}

// The first NUL-terminated string of `data` (all of it when there is no
// NUL), and what follows its NUL.
std::pair<std::string_view, std::string_view> take_string(std::string_view data) {
    auto nul = data.find('\0');
    if (nul == std::string_view::npos) return {data, {}};
    return {data.substr(0, nul), data.substr(nul + 1)};
}

}  // namespace

std::pair<char*, std::size_t> FrameReader::prepare(std::size_t min) {
    if (begin_ == end_) begin_ = end_ = 0;
    // Room for the rest of a frame whose length is known: one read, no regrowth.
    min = std::max(min, frame_rest_);
    if (buf_.size() - end_ < min) {
        if (begin_ > 0) {
            std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
            end_ -= begin_;
            begin_ = 0;
        }
        if (buf_.size() - end_ < min) buf_.resize(end_ + min);  // the frame is known: no doubling
    }
    return {buf_.data() + end_, buf_.size() - end_};
}

void FrameReader::append(std::string_view bytes) {
    auto [p, n] = prepare(bytes.size());
    (void)n;
    std::memcpy(p, bytes.data(), bytes.size());
    commit(bytes.size());
}

FrameReader::Status FrameReader::next(Frame& out) {
    std::size_t have = end_ - begin_;
    if (have < 4) {
        frame_rest_ = 0;
        return Status::NeedMore;
    }
    std::uint32_t len = get_u32(buf_.data() + begin_);
    if (len == 0) {
        why_ = "frame of length 0";
        return Status::Bad;
    }
    if (len > kMaxFrame) {
        why_ = "frame of " + std::to_string(len) + " octets (at most " + std::to_string(kMaxFrame) + ")";
        return Status::Bad;
    }
    if (have < 4 + std::size_t{len}) {
        frame_rest_ = 4 + std::size_t{len} - have;
        return Status::NeedMore;
    }
    frame_rest_ = 0;
    out.command = buf_[begin_ + 4];
    out.data = std::string_view(buf_.data() + begin_ + 5, len - 1);
    begin_ += 4 + std::size_t{len};
    return Status::Frame;
}

void FrameReader::shrink() {
    constexpr std::size_t kKeep = 64 * 1024;
    if (buf_.capacity() <= kKeep || end_ - begin_ > kKeep / 2) return;
    std::string small(buf_.data() + begin_, end_ - begin_);
    small.resize(std::max<std::size_t>(small.size(), 16 * 1024));
    end_ -= begin_;
    begin_ = 0;
    buf_ = std::move(small);
    buf_.shrink_to_fit();
}

std::optional<Negotiation> parse_negotiation(std::string_view data) {
    if (data.size() < 12) return std::nullopt;
    return Negotiation{get_u32(data.data()), get_u32(data.data() + 4), get_u32(data.data() + 8)};
}

std::optional<ConnectInfo> parse_connect(std::string_view data) {
    ConnectInfo c;
    auto [host, rest] = take_string(data);
    c.host_name = std::string(host);
    if (rest.empty()) return std::nullopt;
    c.family = rest[0];
    rest.remove_prefix(1);
    if (c.family == 'U') return c;
    if (c.family != '4' && c.family != '6' && c.family != 'L') return std::nullopt;
    if (rest.size() < 2) return std::nullopt;
    c.port = static_cast<std::uint16_t>((static_cast<unsigned char>(rest[0]) << 8) | static_cast<unsigned char>(rest[1]));
    rest.remove_prefix(2);
    auto [addr, tail] = take_string(rest);
    (void)tail;
    if (c.family == '6' && addr.size() >= 5 && (addr.substr(0, 5) == "IPv6:" || addr.substr(0, 5) == "ipv6:"))
        addr.remove_prefix(5);
    c.address = std::string(addr);
    return c;
}

std::vector<std::string_view> split_strings(std::string_view data) {
    std::vector<std::string_view> out;
    while (!data.empty()) {
        auto [s, rest] = take_string(data);
        out.push_back(s);
        data = rest;
    }
    return out;
}

std::string_view macro_name(std::string_view name) {
    if (name.size() >= 2 && name.front() == '{' && name.back() == '}') return name.substr(1, name.size() - 2);
    return name;
}

std::optional<MacroSet> parse_macros(std::string_view data) {
    if (data.empty()) return std::nullopt;
    MacroSet m;
    m.for_command = data[0];
    auto strings = split_strings(data.substr(1));
    for (std::size_t i = 0; i + 1 < strings.size(); i += 2)
        m.values.emplace_back(macro_name(strings[i]), strings[i + 1]);
    return m;
}

void put_reply(std::string& out, char code) { put_header(out, code, 0); }

void put_reply_code(std::string& out, std::string_view rcode, std::string_view xcode, std::string_view text) {
    std::string line;
    line.reserve(rcode.size() + xcode.size() + text.size() + 2);
    line.append(rcode);
    if (!xcode.empty()) line.append(" ").append(xcode);
    if (!text.empty()) line.append(" ").append(text);
    for (char& ch : line)
        if (ch == '\r' || ch == '\n' || ch == '\0') ch = ' ';
    put_header(out, reply::ReplyCode, line.size() + 1);
    put_string(out, line);
}

void put_insert_header(std::string& out, std::uint32_t index, std::string_view name, std::string_view value) {
    put_header(out, reply::InsertHeader, 4 + name.size() + 1 + value.size() + 1);
    put_u32(out, index);
    put_string(out, name);
    put_string(out, value);
}

void put_change_header(std::string& out, std::uint32_t index, std::string_view name, std::string_view value) {
    put_header(out, reply::ChangeHeader, 4 + name.size() + 1 + value.size() + 1);
    put_u32(out, index);
    put_string(out, name);
    put_string(out, value);
}

void put_negotiation(std::string& out, const Negotiation& n,
                     const std::vector<std::pair<std::uint32_t, std::string>>& macros_wanted) {
    std::size_t len = 12;
    for (const auto& [stage, list] : macros_wanted) len += 4 + list.size() + 1;
    put_header(out, reply::Negotiate, len);
    put_u32(out, n.version);
    put_u32(out, n.actions);
    put_u32(out, n.steps);
    for (const auto& [stage, list] : macros_wanted) {
        put_u32(out, stage);
        put_string(out, list);
    }
}

std::string frame(char command, std::string_view data) {
    std::string out;
    put_header(out, command, data.size());
    out.append(data);
    return out;
}

}  // namespace sw::milter::wire
