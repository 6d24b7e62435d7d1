// Tests of src/milter/milter_wire.cpp: framing whatever way the bytes are
// cut, the limits that end a connection, the payload parsers on what
// Postfix sends (and on truncated payloads), and the exact bytes of every
// reply we encode (libmilter's mfdef.h layouts).
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "milter/milter_wire.hpp"
#include "support/milter_frames.hpp"

using namespace std::string_literals;
using namespace sw::milter;
namespace mta = sw::test::mta;
using Status = wire::FrameReader::Status;

namespace {

// Takes every complete frame (copied: the views die with the next append).
std::vector<mta::Reply> drain(wire::FrameReader& reader) {
    std::vector<mta::Reply> out;
    for (;;) {
        wire::Frame f;
        auto st = reader.next(f);
        if (st == Status::NeedMore) return out;
        if (st == Status::Bad) FAIL("bad frame: " << reader.why());
        out.push_back({f.command, std::string(f.data)});
    }
}

void append_to(std::vector<mta::Reply>& all, std::vector<mta::Reply> more) {
    all.insert(all.end(), more.begin(), more.end());
}

// A whole SMTP session as Postfix sends it.
std::string postfix_session() {
    return mta::session_start() + mta::outbound_message("alice@acme.example") + mta::quit();
}

}  // namespace

TEST_CASE("wire: several frames in one append come out in order, whole") {
    wire::FrameReader reader;
    reader.append(mta::helo("client.example") + mta::mail("<a@b.example>") + mta::quit());
    auto frames = drain(reader);
    REQUIRE(frames.size() == 3);
    CHECK(frames[0] == mta::Reply{'H', "client.example\0"s});
    CHECK(frames[1] == mta::Reply{'M', "<a@b.example>\0SIZE=512\0"s});
    CHECK(frames[2] == mta::Reply{'Q', ""});
    CHECK_FALSE(reader.mid_frame());
}

TEST_CASE("wire: frames cut at any byte boundary are the same frames") {
    const std::string stream = postfix_session();
    wire::FrameReader whole;
    whole.append(stream);
    const auto want = drain(whole);
    REQUIRE(want.size() == 15);

    SECTION("one byte at a time") {
        wire::FrameReader reader;
        std::vector<mta::Reply> got;
        for (char c : stream) {
            reader.append(std::string_view(&c, 1));
            append_to(got, drain(reader));
        }
        CHECK(got == want);
        CHECK_FALSE(reader.mid_frame());
    }
    SECTION("split in two at every offset") {
        for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
            wire::FrameReader reader;
            reader.append(std::string_view(stream).substr(0, cut));
            auto got = drain(reader);
            reader.append(std::string_view(stream).substr(cut));
            append_to(got, drain(reader));
            INFO("cut at " << cut);
            REQUIRE(got == want);
        }
    }
    SECTION("read through prepare() and commit() in small pieces, as the server reads") {
        wire::FrameReader reader;
        std::vector<mta::Reply> got;
        for (std::size_t at = 0; at < stream.size(); at += 7) {
            std::size_t n = std::min<std::size_t>(7, stream.size() - at);
            auto [p, room] = reader.prepare(n);
            REQUIRE(room >= n);
            std::copy_n(stream.data() + at, n, p);
            reader.commit(n);
            append_to(got, drain(reader));
        }
        CHECK(got == want);
    }
}

TEST_CASE("wire: mid_frame() says whether part of a frame is waiting") {
    const std::string f = mta::header("Subject", "hi");
    wire::FrameReader reader;
    CHECK_FALSE(reader.mid_frame());
    reader.append(f.substr(0, 2));  // half the length
    CHECK(reader.mid_frame());
    reader.append(f.substr(2, 5));  // length, command, part of the payload
    CHECK(reader.mid_frame());
    CHECK(drain(reader).empty());
    reader.append(f.substr(7));
    CHECK(drain(reader).size() == 1);
    CHECK_FALSE(reader.mid_frame());
}

TEST_CASE("wire: a frame with no command byte or over kMaxFrame is Bad, with the reason") {
    wire::Frame f;
    SECTION("length 0, after a good frame") {
        wire::FrameReader reader;
        reader.append(mta::quit() + "\0\0\0\0"s);
        REQUIRE(reader.next(f) == Status::Frame);
        CHECK(f.command == 'Q');
        CHECK(reader.next(f) == Status::Bad);
        CHECK(reader.why() == "frame of length 0");
    }
    SECTION("one octet over the limit, known from the length alone") {
        wire::FrameReader reader;
        reader.append(mta::be32(wire::kMaxFrame + 1));
        CHECK(reader.next(f) == Status::Bad);
        CHECK(reader.why() == "frame of 1048577 octets (at most 1048576)");
    }
    SECTION("text that is not milter (an HTTP request) reads as a huge length") {
        wire::FrameReader reader;
        reader.append("GET / HTTP/1.0\r\n\r\n");
        CHECK(reader.next(f) == Status::Bad);
        CHECK_THAT(reader.why(), Catch::StartsWith("frame of 1195725856 octets"));
    }
    SECTION("exactly the limit is allowed: the reader waits for it") {
        wire::FrameReader reader;
        reader.append(mta::be32(wire::kMaxFrame) + "B");
        CHECK(reader.next(f) == Status::NeedMore);
        CHECK(reader.mid_frame());
        reader.append(std::string(wire::kMaxFrame - 1, 'x'));
        REQUIRE(reader.next(f) == Status::Frame);
        CHECK(f.command == 'B');
        CHECK(f.data.size() == wire::kMaxFrame - 1);
    }
    SECTION("length 1: a command without payload") {
        wire::FrameReader reader;
        reader.append("\0\0\0\1N"s);
        REQUIRE(reader.next(f) == Status::Frame);
        CHECK(f.command == 'N');
        CHECK(f.data.empty());
    }
}

TEST_CASE("wire: shrink() gives back memory after a big frame and keeps pending bytes") {
    const std::string big = mta::body(std::string(200 * 1024, 'b'));
    const std::string next = mta::header("To", "bob@example.org");

    SECTION("a small tail of the next frame survives") {
        wire::FrameReader reader;
        reader.append(big + next.substr(0, 3));
        wire::Frame f;
        REQUIRE(reader.next(f) == Status::Frame);
        CHECK(f.data.size() == 200 * 1024);
        reader.shrink();
        CHECK(reader.mid_frame());
        CHECK(reader.prepare(1).second < 64 * 1024);  // the 200 KB buffer is gone
        reader.append(next.substr(3));
        auto frames = drain(reader);
        REQUIRE(frames.size() == 1);
        CHECK(frames[0] == mta::Reply{'L', "To\0bob@example.org\0"s});
    }
    SECTION("a big unfinished frame is kept whole") {
        wire::FrameReader reader;
        reader.append(big.substr(0, 100 * 1024));
        reader.shrink();
        reader.append(big.substr(100 * 1024));
        auto frames = drain(reader);
        REQUIRE(frames.size() == 1);
        CHECK(frames[0].data == std::string(200 * 1024, 'b'));
    }
    SECTION("on a fresh reader it does nothing") {
        wire::FrameReader reader;
        reader.shrink();
        CHECK_FALSE(reader.mid_frame());
        reader.append(next);
        CHECK(drain(reader).size() == 1);
    }
}

TEST_CASE("wire: parse_negotiation reads three big-endian numbers") {
    auto n = wire::parse_negotiation(mta::be32(6) + mta::be32(0x1FF) + mta::be32(0x1FFFFF));
    REQUIRE(n);
    CHECK(n->version == 6);
    CHECK(n->actions == 0x1FF);
    CHECK(n->steps == 0x1FFFFF);
    CHECK(wire::parse_negotiation(mta::be32(6) + mta::be32(0xFFFFFFFF) + mta::be32(0x80000000) + "extra")->actions ==
          0xFFFFFFFF);
    CHECK_FALSE(wire::parse_negotiation(std::string(11, '\0')));
    CHECK_FALSE(wire::parse_negotiation(""));
}

TEST_CASE("wire: parse_connect reads what Postfix sends for each family") {
    struct Case {
        const char* label;
        std::string data;
        std::string host;
        char family;
        std::uint16_t port;
        std::string address;
    };
    const std::vector<Case> cases = {
        {"IPv4", "mx.example\0"s "4" "\xA0\x12" "192.0.2.1\0"s, "mx.example", '4', 0xA012, "192.0.2.1"},
        {"IPv6 with Postfix's prefix", "v6.example\0"s "6" "\0\x19"s "IPv6:2001:db8::1\0"s, "v6.example", '6', 25,
         "2001:db8::1"},
        {"IPv6, lower-case prefix", "v6\0"s "6" "\0\x19"s "ipv6:::1\0"s, "v6", '6', 25, "::1"},
        {"IPv6 without prefix", "v6\0"s "6" "\xFF\xFF" "2001:db8::2\0"s, "v6", '6', 65535, "2001:db8::2"},
        {"unix socket", "localhost\0"s "L" "\0\0"s "/var/run/smtp.sock\0"s, "localhost", 'L', 0, "/var/run/smtp.sock"},
        {"unknown: nothing after the family", "[unknown]\0U"s, "[unknown]", 'U', 0, ""},
        {"address without its NUL", "h\0"s "4" "\0\x19"s "192.0.2.9", "h", '4', 25, "192.0.2.9"},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.label) {
            auto info = wire::parse_connect(c.data);
            REQUIRE(info);
            CHECK(info->host_name == c.host);
            CHECK(info->family == c.family);
            CHECK(info->port == c.port);
            CHECK(info->address == c.address);
        }
    }
}

TEST_CASE("wire: parse_connect refuses truncated payloads and unknown families") {
    const std::vector<std::pair<const char*, std::string>> cases = {
        {"empty", ""},
        {"host name only", "mx.example\0"s},
        {"host without NUL", "mx.example"},
        {"no port", "mx\0"s "4"},
        {"half a port", "mx\0"s "4\x01"},
        {"unknown family", "mx\0"s "X\0\x19" "192.0.2.1\0"s},
    };
    for (const auto& [label, data] : cases)
        DYNAMIC_SECTION(label) { CHECK_FALSE(wire::parse_connect(data)); }
    // A port and no address: the family is known, the address empty.
    auto bare = wire::parse_connect("mx\0"s "4\0\x19"s);
    REQUIRE(bare);
    CHECK(bare->address.empty());
}

TEST_CASE("wire: split_strings takes NUL-terminated strings, the last NUL optional") {
    using V = std::vector<std::string_view>;
    CHECK(wire::split_strings("From\0Alice <a@x>\0"s) == V{"From", "Alice <a@x>"});
    CHECK(wire::split_strings("From\0Alice <a@x>"s) == V{"From", "Alice <a@x>"});
    CHECK(wire::split_strings("a\0\0b\0"s) == V{"a", "", "b"});
    CHECK(wire::split_strings("\0"s) == V{""});
    CHECK(wire::split_strings("").empty());
}

TEST_CASE("wire: parse_macros strips braces and drops a name without value") {
    const std::string data = "M{auth_authen}\0alice@acme.example\0i\0" "4XyZ1Q\0{mail_addr}\0"s;
    auto m = wire::parse_macros(data);  // views into data
    REQUIRE(m);
    CHECK(m->for_command == 'M');
    REQUIRE(m->values.size() == 2);
    CHECK(m->values[0] == std::pair<std::string_view, std::string_view>{"auth_authen", "alice@acme.example"});
    CHECK(m->values[1] == std::pair<std::string_view, std::string_view>{"i", "4XyZ1Q"});

    auto empty = wire::parse_macros("C");
    REQUIRE(empty);
    CHECK(empty->for_command == 'C');
    CHECK(empty->values.empty());
    CHECK_FALSE(wire::parse_macros(""));

    CHECK(wire::macro_name("{j}") == "j");
    CHECK(wire::macro_name("j") == "j");
    CHECK(wire::macro_name("{}").empty());
    CHECK(wire::macro_name("{j") == "{j");
    CHECK(wire::macro_name("{") == "{");
}

TEST_CASE("wire: reply encoders write the exact bytes") {
    std::string out;
    SECTION("a one-letter reply") {
        wire::put_reply(out, wire::reply::Continue);
        wire::put_reply(out, wire::reply::Tempfail);
        CHECK(out == "\0\0\0\1c\0\0\0\1t"s);
    }
    SECTION("a reply code: CR, LF and NUL in the text become spaces") {
        wire::put_reply_code(out, "550", "5.7.1", "no\r\nway");
        CHECK(out == "\0\0\0\023y550 5.7.1 no  way\0"s);
        out.clear();
        wire::put_reply_code(out, "550", "5.7.1", "a\0b"s);
        CHECK(out == "\0\0\0\017y550 5.7.1 a b\0"s);
    }
    SECTION("a reply code without enhanced code or text") {
        wire::put_reply_code(out, "421", "", "busy");
        CHECK(out == "\0\0\0\012y421 busy\0"s);
        out.clear();
        wire::put_reply_code(out, "451", "4.3.0", "");
        CHECK(out == "\0\0\0\013y451 4.3.0\0"s);
    }
    SECTION("insert header: index, name, value") {
        wire::put_insert_header(out, 0, "DKIM-Signature", "v=1; a=rsa");
        CHECK(out == "\0\0\0\037i\0\0\0\0DKIM-Signature\0v=1; a=rsa\0"s);
    }
    SECTION("change header with an empty value (a deletion)") {
        wire::put_change_header(out, 2, "Authentication-Results", "");
        CHECK(out == "\0\0\0\035m\0\0\0\2Authentication-Results\0\0"s);
    }
    SECTION("negotiation with the macros wanted per stage") {
        wire::put_negotiation(out, {6, 0x11, 0xC2388}, {{wire::stage::Mail, "{auth_authen}"}, {wire::stage::EndOfHeaders, "i"}});
        CHECK(out == "\0\0\0\045O"
                     "\0\0\0\6\0\0\0\021\0\014\043\210"
                     "\0\0\0\2{auth_authen}\0"
                     "\0\0\0\6i\0"s);
    }
    SECTION("negotiation without macros") {
        wire::put_negotiation(out, {2, 0x01, 0}, {});
        CHECK(out == "\0\0\0\015O\0\0\0\2\0\0\0\1\0\0\0\0"s);
    }
    SECTION("frame() as the MTA sends it") {
        CHECK(wire::frame('Q', "") == "\0\0\0\1Q"s);
        CHECK(wire::frame('H', "x\0"s) == "\0\0\0\3Hx\0"s);
    }
}

TEST_CASE("wire: an encoded reply reads back as one frame") {
    std::string out;
    wire::put_insert_header(out, 7, "X-Test", std::string(70000, 'v'));
    auto replies = mta::cut_replies(out);
    REQUIRE(replies.size() == 1);
    auto h = mta::header_reply(replies[0]);
    CHECK(h.index == 7);
    CHECK(h.name == "X-Test");
    CHECK(h.value.size() == 70000);
}
