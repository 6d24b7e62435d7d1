// Tests of src/core/limits/limit_check.cpp over the real LMDB counters
// (store/counters_db) with an injected clock: all-or-none across levels,
// RCPT pre-check vs END-OF-MESSAGE charge, hold/warn/dry-run, precedence of
// specific selectors, coalesced events.
#include <catch2/catch.hpp>

#include <sstream>

#include "core/limits/limit_check.hpp"
#include "core/limits/limit_status.hpp"
#include "core/store/counters_db.hpp"
#include "support/fake_clock.hpp"
#include "support/temp_dir.hpp"

using namespace sw;
using namespace sw::limits;

namespace {

struct Fixture {
    test::TempDir dir;
    test::FakeClock clock;
    std::unique_ptr<store::CountersDb> db = store::CountersDb::open(dir.path(), 64 << 20);
    LimitPolicy policy;
    LimitSettings settings;

    explicit Fixture(const std::string& limits) {
        std::istringstream in(limits);
        std::vector<std::string> errors;
        policy = LimitPolicy(parse_limits(in, "limits", errors));
        REQUIRE(errors.empty());
    }

    LimitDecision check(const Subject& who, Stage stage, std::uint64_t size = 1000) {
        auto r = check_limits(policy, settings, who, stage, size, *db, clock.now());
        REQUIRE(r.ok());
        return *r;
    }
    // One message of one recipient: RCPT then END-OF-MESSAGE; the action
    // that decided, or "pass".
    std::string send(const Subject& who) {
        auto rcpt = check(who, Stage::Rcpt);
        if (rcpt.deciding && (rcpt.deciding->rule->action == Action::Defer || rcpt.deciding->rule->action == Action::Reject))
            return std::string(action_name(rcpt.deciding->rule->action)) + "@rcpt";
        auto eom = check(who, Stage::EndOfMessage);
        if (eom.deciding) return std::string(action_name(eom.deciding->rule->action));
        return rcpt.deciding ? std::string(action_name(rcpt.deciding->rule->action)) + "@rcpt" : "pass";
    }
    std::uint64_t tokens_of(const Subject& who, const std::string& rule_name) {
        auto rows = limits_status(policy, who, *db, clock.now());
        REQUIRE(rows.ok());
        for (const auto& r : *rows)
            if (r.rule->name() == rule_name) return r.tokens;
        FAIL("no bucket " << rule_name);
        return 0;
    }
};

Subject user(const std::string& u, const std::string& org = "") { return Subject{u, org, std::nullopt, {}}; }

}  // namespace

TEST_CASE("a user's 6th message in a burst of 5 is deferred, and passes after refill") {
    Fixture f("user * messages 5/1m 5 defer\n");
    auto alice = user("alice@acme.example");
    for (int i = 0; i < 5; ++i) CHECK(f.send(alice) == "pass");
    auto d = f.check(alice, Stage::Rcpt);
    REQUIRE(d.deciding);
    CHECK(d.deciding->rule->action == Action::Defer);
    CHECK(d.deciding->retry_after == 12 * kMicrosPerSecond);
    CHECK(default_reply_text(*d.deciding) == "user alice@acme.example: 5 messages/1m reached, retry in 12s");
    f.clock.advance_seconds(12);
    CHECK(f.send(alice) == "pass");
    CHECK(f.send(alice) == "defer@rcpt");
}

TEST_CASE("RCPT only checks messages; END-OF-MESSAGE charges them; recipients charge at RCPT") {
    Fixture f("user * messages 5/1h 5 defer\nuser * recipients 3/1h 3 defer\n");
    auto bob = user("bob@x.example");
    for (int i = 0; i < 10; ++i) f.check(bob, Stage::Rcpt);  // would be 10 messages if RCPT charged them
    CHECK(f.tokens_of(bob, "user:*:messages") == 5);
    CHECK(f.tokens_of(bob, "user:*:recipients") == 0);
    f.clock.advance_seconds(3600);
    f.check(bob, Stage::EndOfMessage);
    CHECK(f.tokens_of(bob, "user:*:messages") == 4);
    CHECK(f.tokens_of(bob, "user:*:recipients") == 3);
}

TEST_CASE("all or nothing: an empty org bucket charges no user bucket") {
    Fixture f("user * messages 100/1h 100 defer\norg * messages 3/1h 3 defer\nglobal * messages 1000/1h 1000 defer\n");
    auto a = user("a@acme.example", "acme"), b = user("b@acme.example", "acme"), c = user("c@other.example", "other");
    CHECK(f.send(a) == "pass");
    CHECK(f.send(a) == "pass");
    CHECK(f.send(b) == "pass");
    CHECK(f.send(b) == "defer@rcpt");  // org acme is empty
    auto d = f.check(b, Stage::EndOfMessage);
    REQUIRE(d.deciding);
    CHECK(d.deciding->rule->scope == Scope::Org);
    CHECK(default_reply_text(*d.deciding) == "org acme: 3 messages/1h reached, retry in 1200s");
    // b's own bucket and the global one were charged only for the message that passed
    CHECK(f.tokens_of(b, "user:*:messages") == 99);
    CHECK(f.send(c) == "pass");  // another org is unaffected
}

TEST_CASE("specific selectors replace the wildcard rules of their scope and metric") {
    Fixture f("user * messages 1/1h 1 defer\nuser vip@acme.example messages 3/1h 3 defer\n");
    auto vip = user("vip@acme.example");
    CHECK(f.send(vip) == "pass");
    CHECK(f.send(vip) == "pass");
    CHECK(f.send(vip) == "pass");
    CHECK(f.send(vip) == "defer@rcpt");
    auto joe = user("joe@acme.example");
    CHECK(f.send(joe) == "pass");
    CHECK(f.send(joe) == "defer@rcpt");
}

TEST_CASE("hold and warn let mail through and still charge the other buckets") {
    Fixture f("user * messages 1/1h 1 hold \"4.7.1 slow down\"\norg * messages 10/1h 10 defer\nuser * recipients 1/1h 1 warn\n");
    auto h = user("h@hold.example", "holdorg");
    CHECK(f.send(h) == "pass");
    auto rcpt = f.check(h, Stage::Rcpt);  // the pre-check at RCPT already says hold
    REQUIRE(rcpt.deciding);
    CHECK(rcpt.deciding->rule->action == Action::Hold);
    auto eom = f.check(h, Stage::EndOfMessage);
    REQUIRE(eom.deciding);
    CHECK(eom.deciding->rule->action == Action::Hold);
    CHECK(f.tokens_of(Subject{"", "holdorg", std::nullopt, {}}, "org:*:messages") == 8);  // both held and passing messages were charged
}

TEST_CASE("dry-run limits report hits and refuse nothing") {
    Fixture f("user * messages 2/1h 2 defer dry-run\n");
    auto u = user("u@x.example");
    CHECK(f.send(u) == "pass");
    CHECK(f.send(u) == "pass");
    auto d = f.check(u, Stage::EndOfMessage);
    CHECK_FALSE(d.deciding);
    REQUIRE(d.hits.size() == 1);
    CHECK(d.hits[0].dry_run);

    Fixture g("user * messages 1/1h 1 reject\n");
    g.settings.dry_run = true;  // [limits] dry_run = yes
    CHECK(g.send(u) == "pass");
    CHECK(g.send(u) == "pass");
}

TEST_CASE("limit events are coalesced: one per bucket per period") {
    Fixture f("user * messages 10/1h 10 defer\n");
    auto u = user("u@x.example", "x");
    int approaching = 0, hit = 0;
    for (int i = 0; i < 30; ++i) {
        for (const auto& e : f.check(u, Stage::EndOfMessage).events) {
            approaching += e.type == "limit_approaching";
            hit += e.type == "limit_hit";
            CHECK(e.org == "x");
            CHECK(e.body["limit"] == "user:*:messages");
        }
    }
    CHECK(approaching == 1);  // at 80% used, once
    CHECK(hit == 1);          // 20 refusals, one event
    f.clock.advance_seconds(3600);
    for (int i = 0; i < 30; ++i)
        for (const auto& e : f.check(u, Stage::EndOfMessage).events) hit += e.type == "limit_hit";
    CHECK(hit == 2);
}

TEST_CASE("bytes are charged by message size at END-OF-MESSAGE") {
    Fixture f("user * bytes 10k/1h 10k defer\n");
    auto u = user("u@x.example");
    CHECK_FALSE(f.check(u, Stage::EndOfMessage, 6000).deciding);
    CHECK_FALSE(f.check(u, Stage::Rcpt, 0).deciding);        // no SIZE= estimate: nothing to check
    CHECK(f.check(u, Stage::Rcpt, 6000).deciding);           // SIZE= estimate over what is left
    auto d = f.check(u, Stage::EndOfMessage, 6000);
    REQUIRE(d.deciding);
    CHECK(f.check(u, Stage::EndOfMessage, 4000).deciding == std::nullopt);
}

TEST_CASE("client limits: per /64 for IPv6, and a named network shares one bucket") {
    Fixture f("client * messages 2/1h 2 defer\nclient 10.0.0.0/8 messages 3/1h 3 defer\n");
    auto from = [](const char* ip) {
        Subject s{"", "", std::nullopt, {}};
        s.set_client(IpPrefix::client_network(ip, 32, 64));
        return s;
    };
    CHECK(f.send(from("2001:db8:1:2::1")) == "pass");
    CHECK(f.send(from("2001:db8:1:2::ffff")) == "pass");  // same /64
    CHECK(f.send(from("2001:db8:1:2::7")) == "defer@rcpt");
    CHECK(f.send(from("2001:db8:1:3::1")) == "pass");     // another /64
    CHECK(f.send(from("10.1.1.1")) == "pass");            // 10/8 is one bucket of 3
    CHECK(f.send(from("10.2.2.2")) == "pass");
    CHECK(f.send(from("10.3.3.3")) == "pass");
    auto d = f.check(from("10.4.4.4"), Stage::Rcpt);
    REQUIRE(d.deciding);
    CHECK(default_reply_text(*d.deciding) == "client 10.0.0.0/8: 3 messages/1h reached, retry in 1200s");
}
