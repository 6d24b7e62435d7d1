// Tests of src/milter/milter_conversation.cpp: a MilterConversation over a
// real runtime (real keys, in-memory DNS, builtin SPF), fed the frames
// Postfix's milter8 client sends, checked on the reply frames it writes:
// negotiation, which events get a reply, signing, SPF refusal, removal of
// forged Authentication-Results, macro lifetime, QUIT_NC and session caps.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "milter/milter_conversation.hpp"
#include "support/log_capture.hpp"
#include "support/milter_frames.hpp"
#include "support/milter_world.hpp"

using namespace std::string_literals;
using namespace sw;
using namespace sw::milter;
namespace mta = sw::test::mta;

namespace {

// Our steps when the MTA offers them all.
constexpr std::uint32_t kWantedSteps = wire::step::NoReplyHelo | wire::step::NoReplyHeader |
                                       wire::step::NoReplyEndOfHeaders | wire::step::NoReplyBody |
                                       wire::step::NoRcpt | wire::step::NoData | wire::step::NoUnknown;

// One MTA connection: whole frames in, reply frames out, as the server
// drives the conversation (nothing is handled after Close).
class Connection {
public:
    explicit Connection(MilterRuntime& runtime) : conversation_(runtime, "test connection") {}

    std::vector<mta::Reply> send(const std::string& bytes) {
        wire::FrameReader reader;
        reader.append(bytes);
        std::string out;
        wire::Frame f;
        while (!closed_ && reader.next(f) == wire::FrameReader::Status::Frame)
            closed_ = conversation_.handle(f, out) == MilterConversation::Next::Close;
        return mta::cut_replies(out);
    }
    // The reply commands only ("iic").
    std::string commands(const std::string& bytes) { return mta::commands_of(send(bytes)); }

    bool may_block(const std::string& one_frame) {
        wire::FrameReader reader;
        reader.append(one_frame);
        wire::Frame f;
        REQUIRE(reader.next(f) == wire::FrameReader::Status::Frame);
        return conversation_.may_block(f);
    }
    bool closed() const { return closed_; }
    bool between_messages() const { return conversation_.between_messages(); }

private:
    MilterConversation conversation_;
    bool closed_ = false;
};

struct Negotiated {
    wire::Negotiation n;
    std::vector<std::pair<std::uint32_t, std::string>> macros;
};

Negotiated read_negotiation(const mta::Reply& r) {
    REQUIRE(r.command == 'O');
    Negotiated out;
    out.n = {mta::read_be32(r.data), mta::read_be32(r.data.substr(4)), mta::read_be32(r.data.substr(8))};
    std::string_view rest = std::string_view(r.data).substr(12);
    while (!rest.empty()) {
        std::uint32_t stage = mta::read_be32(rest);
        rest.remove_prefix(4);
        auto nul = rest.find('\0');
        REQUIRE(nul != std::string_view::npos);
        out.macros.emplace_back(stage, std::string(rest.substr(0, nul)));
        rest.remove_prefix(nul + 1);
    }
    return out;
}

// All bh= (body hash) tags of the DKIM-Signature insertions, folding removed.
std::vector<std::string> body_hashes(const std::vector<mta::Reply>& replies) {
    std::vector<std::string> out;
    for (const auto& r : replies) {
        if (r.command != 'i') continue;
        auto h = mta::header_reply(r);
        if (h.name != "DKIM-Signature") continue;
        std::string flat;
        for (char c : h.value)
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') flat.push_back(c);
        auto at = flat.find(";bh=");
        REQUIRE(at != std::string::npos);
        out.push_back(flat.substr(at + 4, flat.find(';', at + 4) - at - 4));
    }
    return out;
}

}  // namespace

TEST_CASE("conversation: negotiation answers our actions, the offered steps we want, and our macros") {
    test::MilterWorld w;
    SECTION("Postfix offers everything") {
        Connection c(*w.runtime);
        auto replies = c.send(mta::negotiate(mta::kAllSteps));
        REQUIRE(replies.size() == 1);
        auto got = read_negotiation(replies[0]);
        CHECK(got.n.version == 6);
        CHECK(got.n.actions == 0x11);  // add and change headers, nothing else
        CHECK(got.n.steps == kWantedSteps);
        CHECK(got.n.steps == 0xC2388);
        using M = std::vector<std::pair<std::uint32_t, std::string>>;
        CHECK(got.macros == M{{2, "{auth_authen}"}, {6, "i"}, {5, "i"}});
        CHECK_FALSE(c.closed());
    }
    SECTION("steps: only those offered") {
        Connection c(*w.runtime);
        auto got = read_negotiation(c.send(mta::negotiate(0x0F | wire::step::NoReplyHeader)).at(0));
        CHECK(got.n.steps == (wire::step::NoRcpt | wire::step::NoReplyHeader));
    }
    SECTION("an older MTA (version 2): its version, no macro lists") {
        Connection c(*w.runtime);
        auto replies = c.send(mta::negotiate(0, 0x1F, 2));
        auto got = read_negotiation(replies.at(0));
        CHECK(got.n.version == 2);
        CHECK(got.macros.empty());
    }
    SECTION("a newer version is answered with ours") {
        Connection c(*w.runtime);
        CHECK(read_negotiation(c.send(mta::negotiate(mta::kAllSteps, 0x1FF, 7)).at(0)).n.version == 6);
    }
}

TEST_CASE("conversation: a negotiation we cannot work with closes without a reply") {
    test::MilterWorld w;
    test::LogCapture log;
    struct Case {
        const char* label;
        std::string bytes;
        const char* log;
    };
    const std::vector<Case> cases = {
        {"version 1", mta::negotiate(mta::kAllSteps, 0x1FF, 1), "bad milter option negotiation"},
        {"payload too short", wire::frame('O', mta::be32(6) + mta::be32(0x1FF)), "bad milter option negotiation"},
        {"no header changes allowed", mta::negotiate(mta::kAllSteps, wire::action::AddHeaders),
         "does not allow adding and changing headers"},
    };
    for (const auto& cs : cases) {
        DYNAMIC_SECTION(cs.label) {
            Connection c(*w.runtime);
            CHECK(c.send(cs.bytes).empty());
            CHECK(c.closed());
            CHECK(log.contains(cs.log));
        }
    }
}

TEST_CASE("conversation: commands before negotiation, unknown commands and QUIT close") {
    test::MilterWorld w;
    test::LogCapture log;
    SECTION("connect before negotiation") {
        Connection c(*w.runtime);
        CHECK(c.send(mta::connect("client.example", '4', 25, "198.51.100.7")).empty());
        CHECK(c.closed());
        CHECK(log.contains("test connection: milter command 'C' before option negotiation: closing"));
    }
    SECTION("macros before negotiation") {
        Connection c(*w.runtime);
        CHECK(c.send(mta::macros('C', {{"j", "mx.test"}})).empty());
        CHECK(c.closed());
    }
    SECTION("an unknown command") {
        Connection c(*w.runtime);
        c.send(mta::session_start());
        REQUIRE_FALSE(c.closed());
        CHECK(c.send(wire::frame('Z', "x")).empty());
        CHECK(c.closed());
        CHECK(log.contains("test connection: unknown milter command 0x5a: closing"));
    }
    SECTION("QUIT") {
        Connection c(*w.runtime);
        c.send(mta::session_start());
        CHECK(c.send(mta::quit()).empty());
        CHECK(c.closed());
    }
}

TEST_CASE("conversation: events the MTA lets us skip get no reply, the others get continue") {
    test::MilterWorld w;
    auto run = [&](std::uint32_t offered) {
        Connection c(*w.runtime);
        REQUIRE(c.commands(mta::negotiate(offered)) == "O");
        std::vector<std::string> got;
        for (const auto& f : {mta::connect("client.example", '4', 25, "10.1.2.3"), mta::helo("client.example"),
                              mta::mail("<x@acme.example>"), mta::rcpt("<bob@example.org>"), wire::frame('T', ""),
                              mta::header("From", "x@acme.example"), mta::end_of_headers(), mta::body("hi\r\n"),
                              wire::frame('U', "VRFY x"), mta::end_of_message()})
            got.push_back(c.commands(f));
        return got;
    };
    using V = std::vector<std::string>;
    //                 connect helo mail rcpt data header eoh  body unknown eom
    CHECK(run(0) == V{"c", "c", "c", "c", "c", "c", "c", "c", "c", "iic"});
    // RCPT, DATA and unknown are skipped; if an MTA sends them anyway they are answered.
    CHECK(run(mta::kAllSteps) == V{"c", "", "c", "c", "c", "", "", "", "c", "iic"});
}

TEST_CASE("conversation: an authenticated user's message is signed for acme.example") {
    test::MilterWorld w;
    test::LogCapture log;
    Connection c(*w.runtime);
    REQUIRE(c.commands(mta::session_start("198.51.100.7")) == "Oc");  // HELO: no reply
    const std::string mail = mta::macros('M', {{"{auth_authen}", "alice"}}) + mta::mail("<alice@acme.example>");
    CHECK(c.commands(mail) == "c");
    CHECK_FALSE(c.between_messages());
    CHECK(c.commands(mta::header("From", "Alice <alice@acme.example>") + mta::header("Subject", "hi") +
                     mta::macros('N', {{"i", "4XyZ1Q"}}) + mta::end_of_headers() + mta::body("Hello\r\n"))
              .empty());
    auto eom = c.send(mta::macros('E', {{"i", "4XyZ1Q"}}) + mta::end_of_message());
    REQUIRE(mta::commands_of(eom) == "iic");
    for (int i = 0; i < 2; ++i) {
        auto h = mta::header_reply(eom[i]);
        CHECK(h.index == 0);
        CHECK(h.name == "DKIM-Signature");
        CHECK_THAT(h.value, Catch::Contains("d=acme.example"));
    }
    CHECK_THAT(mta::header_reply(eom[0]).value + mta::header_reply(eom[1]).value,
               Catch::Contains("s=r;") && Catch::Contains("s=e;"));
    CHECK(c.between_messages());
    // The queue id came from macro i, the user from {auth_authen}.
    CHECK(log.contains("4XyZ1Q: signed: d=acme.example s=r a=rsa-sha256, d=acme.example s=e a=ed25519-sha256; "
                       "auth=alice from=<alice@acme.example>"));
}

TEST_CASE("conversation: a client in internal_hosts is outbound, also written as IPv4-mapped IPv6") {
    test::MilterWorld w;
    test::LogCapture log;
    struct Case {
        const char* label;
        std::string connect;
    };
    const std::vector<Case> cases = {
        {"IPv4", mta::connect("relay.internal", '4', 25, "10.1.2.3")},
        {"IPv6-mapped", mta::connect("relay.internal", '6', 25, "IPv6:::ffff:10.1.2.3")},
    };
    for (const auto& cs : cases) {
        DYNAMIC_SECTION(cs.label) {
            Connection c(*w.runtime);
            REQUIRE(c.commands(mta::negotiate() + cs.connect) == "Oc");
            // No {auth_authen}: signed because of the address alone, without an SPF check.
            CHECK_FALSE(c.may_block(mta::mail("<alice@acme.example>")));
            auto replies = c.send(mta::outbound_message(""));
            REQUIRE(mta::commands_of(replies) == "ciic");
            CHECK_THAT(mta::header_reply(replies[1]).value, Catch::Contains("d=acme.example"));
            CHECK(log.contains("4XyZ1Q: signed: d=acme.example s=r a=rsa-sha256, d=acme.example s=e "
                               "a=ed25519-sha256; internal client 10.1.2.3"));
        }
    }
}

TEST_CASE("conversation: a sender failing SPF is refused at MAIL FROM with 550 5.7.23") {
    test::MilterWorld w(SpfAction::Reject);
    test::LogCapture log;
    Connection c(*w.runtime);
    REQUIRE(c.commands(mta::session_start("192.0.2.99", "bad.example")) == "Oc");
    const std::string mail = mta::mail("<x@spf.example>");
    CHECK(c.may_block(mail));  // inbound: the SPF check waits on DNS
    auto replies = c.send(mail);
    REQUIRE(mta::commands_of(replies) == "y");
    CHECK_THAT(replies[0].data, Catch::StartsWith("550 5.7.23 SPF fail: domain of x@spf.example does not designate "
                                                  "192.0.2.99 as permitted sender"));
    CHECK(replies[0].data.back() == '\0');
    CHECK(log.contains("NOQUEUE: reject: MAIL from bad.example[192.0.2.99]: 550 5.7.23 SPF fail"));
    // Postfix aborts the refused transaction; the next MAIL FROM is checked afresh.
    CHECK(c.commands(mta::abort_message() + mta::mail("<>")) == "c");
}

TEST_CASE("conversation: forged Authentication-Results with our authserv-id are deleted") {
    test::MilterWorld w;
    test::LogCapture log;
    Connection c(*w.runtime);
    REQUIRE(c.commands(mta::session_start("192.0.2.10", "mx.spf.example")) == "Oc");
    REQUIRE(c.commands(mta::mail("<x@spf.example>")) == "c");
    auto replies = c.send(mta::header("Authentication-Results", "other.host; spf=fail") +
                          mta::header("From", "x@spf.example") +
                          mta::header("Authentication-Results", "mx.test; spf=pass smtp.mailfrom=x@spf.example") +
                          mta::header("Authentication-Results", "MX.test; dkim=pass") +
                          mta::macros('E', {{"i", "5AbC"}}) + mta::end_of_headers() + mta::body("hi\r\n") +
                          mta::end_of_message());
    REQUIRE(mta::commands_of(replies) == "mmiic");
    // Highest occurrence first, so that the second index still names the right field.
    auto first = mta::header_reply(replies[0]), second = mta::header_reply(replies[1]);
    CHECK(first.index == 3);
    CHECK(second.index == 2);
    for (const auto& h : {first, second}) {
        CHECK(h.name == "Authentication-Results");
        CHECK(h.value.empty());  // an empty value deletes
    }
    CHECK(mta::header_reply(replies[2]).name == "Authentication-Results");
    CHECK_THAT(mta::header_reply(replies[2]).value, Catch::StartsWith("mx.test;"));
    CHECK(mta::header_reply(replies[3]).name == "Received-SPF");
    CHECK_THAT(mta::header_reply(replies[3]).value, Catch::StartsWith("pass "));
    CHECK(log.contains("5AbC: removed 2 Authentication-Results field(s) claiming authserv-id mx.test"));
}

TEST_CASE("conversation: macros of one message do not reach the next") {
    test::MilterWorld w;
    test::LogCapture log;
    Connection c(*w.runtime);
    REQUIRE(c.commands(mta::session_start("198.51.100.7")) == "Oc");

    SECTION("after end of message") {
        REQUIRE(mta::commands_of(c.send(mta::outbound_message("alice", "Q1"))) == "ciic");
        CHECK(log.contains("Q1: signed:"));
        // Same sender, no macros: neither the user nor the queue id is left
        // over, so this is inbound mail from 198.51.100.7 (SPF, not signed).
        auto replies = c.send(mta::outbound_message("", ""));
        REQUIRE(mta::commands_of(replies) == "ciic");
        CHECK(mta::header_reply(replies[1]).name == "Authentication-Results");
        CHECK(mta::header_reply(replies[2]).name == "Received-SPF");
        CHECK(log.contains("NOQUEUE: spf=none identity=mailfrom domain=acme.example"));
        CHECK(log.count("Q1:") == 1);
    }
    SECTION("after abort") {
        REQUIRE(c.commands(mta::macros('M', {{"{auth_authen}", "alice"}}) + mta::mail("<alice@acme.example>") +
                           mta::macros('N', {{"i", "Q2"}}) + mta::header("From", "alice@acme.example") +
                           mta::end_of_headers() + mta::abort_message()) == "c");
        CHECK(c.between_messages());
        auto replies = c.send(mta::outbound_message("", ""));
        REQUIRE(mta::commands_of(replies) == "ciic");
        CHECK(mta::header_reply(replies[1]).name == "Authentication-Results");
        CHECK(log.contains("NOQUEUE: spf=none"));
        CHECK_FALSE(log.contains("Q2"));
    }
}

TEST_CASE("conversation: a body chunk sent with end of message (sendmail) is signed like a body frame") {
    test::MilterWorld w;
    auto signed_with = [&](const std::string& tail) {
        Connection c(*w.runtime);
        c.send(mta::session_start("10.1.2.3") + mta::mail("<alice@acme.example>") +
               mta::header("From", "alice@acme.example") + mta::end_of_headers());
        return body_hashes(c.send(tail));
    };
    auto as_body = signed_with(mta::body("Hello\r\n") + mta::end_of_message());
    auto with_eom = signed_with(wire::frame('E', "Hello\r\n"));
    REQUIRE(as_body.size() == 2);
    CHECK(with_eom == as_body);
}

TEST_CASE("conversation: QUIT_NC starts a fresh session on the same connection") {
    test::MilterWorld w(SpfAction::Tag, {0, 1, 0});
    test::LogCapture log;
    Connection c(*w.runtime);
    REQUIRE(c.commands(mta::session_start("192.0.2.50")) == "Oc");
    CHECK(c.send(mta::quit_new_connection()).empty());
    CHECK_FALSE(c.closed());
    // No session until the next connect: events are simply continued.
    CHECK(c.commands(mta::mail("<x@acme.example>") + mta::end_of_message()) == "cc");
    // The first session's cap slot went with it: the same client may connect again.
    CHECK(c.commands(mta::connect("c2.example", '4', 25, "192.0.2.50")) == "c");
    CHECK(mta::commands_of(c.send(mta::outbound_message("bob", "Q3"))) == "ciic");
    CHECK(log.contains("Q3: signed:"));
    CHECK(log.contains("auth=bob"));
}

TEST_CASE("conversation: max_sessions_per_client refuses a second connect with 421") {
    test::MilterWorld w(SpfAction::Tag, {0, 1, 0});
    auto first = std::make_unique<Connection>(*w.runtime);
    REQUIRE(first->commands(mta::session_start("192.0.2.50")) == "Oc");

    Connection second(*w.runtime);
    auto replies = second.send(mta::negotiate() + mta::connect("c.example", '4', 25, "192.0.2.50"));
    REQUIRE(mta::commands_of(replies) == "Oy");
    CHECK(replies[1].data == "421 4.7.0 Too many concurrent SMTP sessions from 192.0.2.50 (1); try again later\0"s);

    Connection other_client(*w.runtime);
    CHECK(other_client.commands(mta::negotiate() + mta::connect("d.example", '4', 25, "192.0.2.51")) == "Oc");

    first.reset();  // the first connection ends
    Connection third(*w.runtime);
    CHECK(third.commands(mta::negotiate() + mta::connect("c.example", '4', 25, "192.0.2.50")) == "Oc");
}

TEST_CASE("conversation: a malformed connect is an unknown client, not an error") {
    test::MilterWorld w;
    test::LogCapture log;
    Connection c(*w.runtime);
    CHECK(c.commands(mta::negotiate() + wire::frame('C', "host\0X"s)) == "Oc");
    CHECK_FALSE(c.closed());
    CHECK(log.contains("test connection: malformed milter connect event: treated as an unknown client"));
}
