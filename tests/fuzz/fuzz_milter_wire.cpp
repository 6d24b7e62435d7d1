// libFuzzer target: the milter protocol as the MTA's byte stream
// (src/milter/milter_wire.cpp, milter_conversation.cpp). The input is cut
// into frames once whole and once in pseudo-random chunks through
// prepare()/commit(), as the server reads: both must give the same frames
// and stop at the same bad frame. Every parser runs on every frame and the
// encoders on its bytes; then the frames drive a MilterConversation over a
// real runtime (RSA and Ed25519 keys, in-memory DNS, builtin SPF), whose replies must
// always be whole frames of reply commands.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/log/msg.hpp"
#include "milter/milter_conversation.hpp"
#include "milter/milter_wire.hpp"
#include "support/milter_world.hpp"

namespace wire = sw::milter::wire;

namespace {

struct Cut {
    std::vector<std::pair<char, std::string>> frames;
    bool bad = false;
    std::string why;

    bool operator==(const Cut&) const = default;
};

bool inside(std::string_view part, std::string_view whole) {
    return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

void drain(wire::FrameReader& reader, Cut& cut) {
    while (!cut.bad) {
        wire::Frame f;
        auto st = reader.next(f);
        if (st == wire::FrameReader::Status::NeedMore) return;
        if (st == wire::FrameReader::Status::Bad) {
            cut.bad = true;
            cut.why = reader.why();
            if (cut.why.empty()) std::abort();
            return;
        }
        cut.frames.emplace_back(f.command, std::string(f.data));
    }
}

Cut cut_whole(std::string_view input) {
    wire::FrameReader reader;
    reader.append(input);
    Cut cut;
    drain(reader, cut);
    return cut;
}

// Chunk sizes from xorshift seeded by the input size: reproducible from the
// input alone. Shrinks now and then, as the server does between reads.
Cut cut_in_chunks(std::string_view input) {
    wire::FrameReader reader;
    Cut cut;
    std::uint32_t x = static_cast<std::uint32_t>(input.size()) * 2654435761u + 1;
    while (!input.empty() && !cut.bad) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        std::size_t n = std::min<std::size_t>(input.size(), 1 + x % 97);
        auto [p, room] = reader.prepare(n);
        if (room < n) std::abort();
        std::copy_n(input.data(), n, p);
        reader.commit(n);
        input.remove_prefix(n);
        drain(reader, cut);
        if (x % 5 == 0) reader.shrink();
    }
    return cut;
}

// `bytes` must be whole reply frames, nothing left over.
void check_replies(std::string_view bytes) {
    wire::FrameReader reader;
    reader.append(bytes);
    for (;;) {
        wire::Frame f;
        auto st = reader.next(f);
        if (st == wire::FrameReader::Status::Bad) std::abort();
        if (st == wire::FrameReader::Status::NeedMore) break;
        if (std::string_view("acrtyimO").find(f.command) == std::string_view::npos) std::abort();
    }
    if (reader.mid_frame()) std::abort();
}

void parse_every_way(std::string_view data) {
    if (auto n = wire::parse_negotiation(data); !n && data.size() >= 12) std::abort();
    if (auto c = wire::parse_connect(data)) {
        if (std::string_view("46LU").find(c->family) == std::string_view::npos) std::abort();
        if (c->family == 'U' && (c->port != 0 || !c->address.empty())) std::abort();
    }
    auto parts = wire::split_strings(data);
    std::size_t chars = 0;
    for (auto s : parts) {
        if (!inside(s, data) || s.find('\0') != std::string_view::npos) std::abort();
        chars += s.size();
    }
    // Every octet is in a string or is the NUL after one.
    if (chars + parts.size() < data.size() || chars + parts.size() > data.size() + 1) std::abort();
    if (auto m = wire::parse_macros(data)) {
        for (const auto& [name, value] : m->values)
            if (!inside(name, data) || !inside(value, data)) std::abort();
    } else if (!data.empty()) {
        std::abort();
    }
    (void)wire::macro_name(data);
}

void encode_every_way(std::string_view data) {
    // The reply text is one line, NUL-terminated: "550 5.7.1 " and the data.
    std::string reply;
    wire::put_reply_code(reply, "550", "5.7.1", data);
    check_replies(reply);
    std::string_view line = std::string_view(reply).substr(5);
    if (line.size() != 9 + (data.empty() ? 0 : 1 + data.size()) + 1) std::abort();
    if (line.find_first_of(std::string_view("\r\n\0", 3)) != line.size() - 1) std::abort();

    std::string out;
    std::string_view name = data.substr(0, data.find('\0'));  // a header name has no NUL
    wire::put_insert_header(out, 0, name, data);
    wire::put_change_header(out, 1, name, "");
    wire::put_negotiation(out, {6, 0x11, 0}, {{wire::stage::Mail, std::string(name)}});
    check_replies(out);
}

sw::milter::MilterRuntime& runtime() {
    static const bool quiet = [] {
        sw::log::init("fuzz-milter-wire", {.to_syslog = false, .to_stderr = false, .capture = {}});
        return true;
    }();
    (void)quiet;
    static sw::test::MilterWorld world(sw::milter::SpfAction::Reject);  // both keys: the builtin signer
    return *world.runtime;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    Cut whole = cut_whole(input);
    if (!(cut_in_chunks(input) == whole)) std::abort();

    sw::milter::MilterConversation conversation(runtime(), "fuzz");
    std::string out;
    for (const auto& [command, payload] : whole.frames) {
        parse_every_way(payload);
        encode_every_way(payload);
        wire::Frame f{command, payload};
        (void)conversation.may_block(f);
        out.clear();
        auto next = conversation.handle(f, out);
        check_replies(out);
        if (next == sw::milter::MilterConversation::Next::Close) break;
    }
    return 0;
}
