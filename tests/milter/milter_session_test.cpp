// Tests of src/milter/milter_session.cpp: the per-message decisions without
// libmilter (signing outbound mail with real keys, SPF of inbound mail with
// the builtin engine over an in-memory zone, forged Authentication-Results,
// session caps) and the answers and header edits they produce.
#include <catch2/catch.hpp>

#include "core/sent/sent_index.hpp"
#include "core/store/counters_db.hpp"
#include "milter/milter_session.hpp"
#include "support/log_capture.hpp"
#include "support/milter_world.hpp"
#include "support/temp_dir.hpp"

using namespace sw;
using namespace sw::milter;

namespace {

using World = test::MilterWorld;

void feed_message(MilterSession& s, const std::vector<std::pair<std::string, std::string>>& headers,
                  const std::string& body = "hello\r\n") {
    for (const auto& [n, v] : headers) s.header(n, v);
    s.end_of_headers("Q1");
    s.body(reinterpret_cast<const unsigned char*>(body.data()), body.size());
}

int count_edits(const EomResult& r, const std::string& name, bool insert) {
    int n = 0;
    for (const auto& e : r.edits) n += e.name == name && e.insert == insert;
    return n;
}

}  // namespace

TEST_CASE("milter session: authenticated mail is signed with both keys, and logged") {
    World w;
    test::LogCapture log;
    MilterSession s(*w.runtime, "client.example", "198.51.100.7");
    REQUIRE(s.connect().verdict == Verdict::Continue);
    s.helo("client.example");
    REQUIRE(s.mail_from("<alice@acme.example>", "alice@acme.example").verdict == Verdict::Continue);
    feed_message(s, {{"From", "Alice <alice@acme.example>"}, {"To", "bob@example.org"}, {"Subject", "hi"}});
    auto r = s.end_of_message("Q1");
    CHECK(r.answer.verdict == Verdict::Continue);
    CHECK(count_edits(r, "DKIM-Signature", true) == 2);
    CHECK(count_edits(r, "Received-SPF", true) == 0);  // outbound: no SPF
    CHECK(log.contains("Q1: signed: d=acme.example s=r a=rsa-sha256, d=acme.example s=e a=ed25519-sha256; "
                       "auth=alice@acme.example from=<alice@acme.example>"));
    CHECK(w.runtime->stats().signatures == 2);
}

TEST_CASE("milter session: outbound mail that cannot be signed passes with the reason logged") {
    World w;
    test::LogCapture log;
    MilterSession s(*w.runtime, "relay.internal", "10.1.2.3");
    REQUIRE(s.connect().verdict == Verdict::Continue);
    s.mail_from("<x@other.example>", "");
    feed_message(s, {{"From", "x@other.example"}});
    auto r = s.end_of_message("Q2");
    CHECK(r.edits.empty());
    CHECK(log.contains("Q2: not signed: no signing key for other.example; internal client 10.1.2.3"));

    s.mail_from("<x@acme.example>", "");
    feed_message(s, {{"From", "a@acme.example"}, {"From", "b@acme.example"}});
    r = s.end_of_message("Q3");
    CHECK(r.edits.empty());
    CHECK(log.contains("Q3: not signed: 2 From: headers"));
}

TEST_CASE("milter session: inbound SPF pass is recorded, forged results removed") {
    World w;
    MilterSession s(*w.runtime, "mx.spf.example", "192.0.2.10");
    REQUIRE(s.connect().verdict == Verdict::Continue);
    s.helo("mx.spf.example");
    REQUIRE(s.mail_from("<x@spf.example>", "").verdict == Verdict::Continue);
    feed_message(s, {{"Authentication-Results", "other.host; spf=fail"},
                     {"From", "x@spf.example"},
                     {"Authentication-Results", " MX.test; spf=pass smtp.mailfrom=x@spf.example"},
                     {"Authentication-Results", "mx.test; dkim=pass"}});
    auto r = s.end_of_message("Q4");
    CHECK(r.answer.verdict == Verdict::Continue);
    CHECK(count_edits(r, "DKIM-Signature", true) == 0);
    // occurrences 3 then 2 deleted (highest first), then ours added
    REQUIRE(r.edits.size() == 4);
    CHECK((!r.edits[0].insert && r.edits[0].index == 3));
    CHECK((!r.edits[1].insert && r.edits[1].index == 2));
    CHECK(r.edits[2].name == "Authentication-Results");
    CHECK_THAT(r.edits[2].value, Catch::StartsWith("mx.test;\n\tspf=pass"));
    CHECK(r.edits[3].name == "Received-SPF");
    CHECK_THAT(r.edits[3].value, Catch::StartsWith("pass (mx.test: domain of x@spf.example designates 192.0.2.10"));
}

TEST_CASE("milter session: SPF fail per spf_fail_action") {
    SECTION("reject: 550 5.7.23 at MAIL FROM, logged") {
        World w(SpfAction::Reject);
        test::LogCapture log;
        MilterSession s(*w.runtime, "bad.example", "192.0.2.99");
        s.connect();
        s.helo("bad.example");
        auto a = s.mail_from("<x@spf.example>", "");
        CHECK(a.verdict == Verdict::Reject);
        CHECK(a.rcode == "550");
        CHECK(a.xcode == "5.7.23");
        CHECK(log.contains("NOQUEUE: reject: MAIL from bad.example[192.0.2.99]: 550 5.7.23 SPF fail"));
    }
    SECTION("tempfail: 451 4.7.23") {
        World w(SpfAction::Tempfail);
        MilterSession s(*w.runtime, "bad.example", "192.0.2.99");
        s.connect();
        auto a = s.mail_from("<x@spf.example>", "");
        CHECK(a.verdict == Verdict::Tempfail);
        CHECK(a.xcode == "4.7.23");
    }
    SECTION("tag: accepted, Received-SPF: fail") {
        World w(SpfAction::Tag);
        MilterSession s(*w.runtime, "bad.example", "192.0.2.99");
        s.connect();
        CHECK(s.mail_from("<x@spf.example>", "").verdict == Verdict::Continue);
        feed_message(s, {{"From", "x@spf.example"}});
        auto r = s.end_of_message("Q5");
        REQUIRE(count_edits(r, "Received-SPF", true) == 1);
        CHECK_THAT(r.edits.back().value, Catch::StartsWith("fail "));
    }
}

TEST_CASE("milter session: session caps at connect and per user, released by the session") {
    World w(SpfAction::Tag, {0, 1, 1});
    auto first = std::make_unique<MilterSession>(*w.runtime, "c", "192.0.2.50");
    CHECK(first->connect().verdict == Verdict::Continue);
    MilterSession second(*w.runtime, "c", "192.0.2.50");
    auto refused = second.connect();
    CHECK(refused.verdict == Verdict::Tempfail);
    CHECK(refused.rcode == "421");
    CHECK_THAT(refused.text, Catch::Contains("192.0.2.50"));
    first.reset();  // the first session closes
    MilterSession third(*w.runtime, "c", "192.0.2.50");
    CHECK(third.connect().verdict == Verdict::Continue);

    MilterSession u1(*w.runtime, "c", "10.0.0.1");
    MilterSession u2(*w.runtime, "c", "10.0.0.2");
    u1.connect();
    u2.connect();
    CHECK(u1.mail_from("<a@acme.example>", "alice").verdict == Verdict::Continue);
    auto busy = u2.mail_from("<a@acme.example>", "alice");
    CHECK(busy.verdict == Verdict::Tempfail);
    CHECK(busy.xcode == "4.7.1");
}

TEST_CASE("milter session: an outbound message's Message-ID joins the sent index under its queue id") {
    World w;
    test::TempDir state;
    auto counters = store::CountersDb::open(state.path(), 16 << 20);
    sent::SentIndex index(counters->env());
    w.runtime->set_sent_index(&index);
    MilterSession s(*w.runtime, "client.example", "198.51.100.7");
    REQUIRE(s.connect().verdict == Verdict::Continue);
    REQUIRE(s.mail_from("<alice@acme.example>", "alice@acme.example").verdict == Verdict::Continue);
    feed_message(s, {{"From", "alice@acme.example"}, {"Message-ID", " <m.42@acme.example> "}, {"Subject", "hi"}});
    (void)s.end_of_message("Q1");
    auto m = index.by_message_id("<m.42@acme.example>");
    REQUIRE(m);
    CHECK(m->queue_id == "Q1");

    // inbound mail is not ours: not recorded
    MilterSession in(*w.runtime, "mx.remote.example", "203.0.113.9");
    REQUIRE(in.connect().verdict == Verdict::Continue);
    (void)in.mail_from("<bob@remote.example>", "");
    for (const auto& [n, v] : std::vector<std::pair<std::string, std::string>>{
             {"From", "bob@remote.example"}, {"Message-ID", "<in.1@remote.example>"}})
        in.header(n, v);
    in.end_of_headers("Q2");
    (void)in.end_of_message("Q2");
    CHECK_FALSE(index.by_message_id("<in.1@remote.example>"));
    w.runtime->set_sent_index(nullptr);
}
