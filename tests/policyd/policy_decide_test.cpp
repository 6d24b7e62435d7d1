// Tests of src/policyd/policy_decide.cpp: identities, the reply Postfix gets,
// and the exact decision log line.
#include <catch2/catch.hpp>

#include <sstream>

#include "core/config/config_file.hpp"
#include "core/store/counters_db.hpp"
#include "core/store/data_db.hpp"
#include "core/suppress/suppression_store.hpp"
#include "policyd/policy_decide.hpp"
#include "support/fake_clock.hpp"
#include "support/log_capture.hpp"
#include "support/temp_dir.hpp"

using namespace sw;
using namespace sw::policyd;

namespace {

struct Fixture {
    test::TempDir dir;
    test::FakeClock clock;
    std::unique_ptr<store::CountersDb> counters = store::CountersDb::open(dir.path(), 16 << 20);
    std::unique_ptr<store::DataDb> data = store::DataDb::open(dir.path(), 16 << 20);
    PolicyDecider decider{*counters, *data, clock};

    Fixture(const std::string& limits, const std::string& orgs, const std::string& conf = "") {
        dir.write("limits", limits);
        dir.write("orgs", orgs);
        auto cfg = config::parse_config("[global]\npolicy_dir = " + dir.path() + "\n" + conf, "test.conf");
        REQUIRE(cfg.errors.empty());
        auto policy = config::load_policy(dir.path(), cfg.config->global_default_org);
        REQUIRE(policy.errors.empty());
        decider.set_policy({cfg.config, policy.policy});
    }

    std::string ask(const std::string& state, const std::string& sasl, const std::string& sender = "s@acme.example") {
        PolicyRequest r;
        r.request = "smtpd_access_policy";
        r.protocol_state = state;
        r.sasl_username = sasl;
        r.sender = sender;
        r.recipient = "bob@remote.example";
        r.client_address = "192.0.2.7";
        r.client_name = "mx.example";
        r.queue_id = state == "RCPT" ? "" : "4F2A81";
        r.size = "1000";
        return decider.decide(r);
    }
};

}  // namespace

TEST_CASE("the 6th message is deferred with our text and one decision line") {
    Fixture f("user * messages 5/1m 5 defer\n", "@acme.example acme\n");
    test::LogCapture logs;
    for (int i = 0; i < 5; ++i) {
        CHECK(f.ask("RCPT", "alice@acme.example") == "DUNNO");
        CHECK(f.ask("END-OF-MESSAGE", "alice@acme.example") == "DUNNO");
    }
    CHECK(f.ask("RCPT", "alice@acme.example") ==
          "450 4.7.1 user alice@acme.example: 5 messages/1m reached, retry in 12s");
    CHECK(logs.contains("NOQUEUE: defer: RCPT from mx.example[192.0.2.7]: 450 4.7.1 user alice@acme.example: 5 "
                        "messages/1m reached, retry in 12s; user=alice@acme.example org=acme "
                        "limit=user:alice@acme.example:messages rate=5/1m burst=5 rule=limits:1 "
                        "from=<s@acme.example> to=<bob@remote.example>"));
    CHECK(f.decider.stats().defer == 1);
}

TEST_CASE("states other than RCPT and END-OF-MESSAGE answer DUNNO") {
    Fixture f("user * messages 1/1h 1 reject\n", "");
    for (const char* s : {"CONNECT", "EHLO", "HELO", "MAIL", "DATA", "VRFY", "ETRN"})
        CHECK(f.ask(s, "u@x.example") == "DUNNO");
}

TEST_CASE("replies per action, with and without an enhanced status code") {
    CHECK(action_reply(limits::Action::Defer, "slow") == "450 4.7.1 slow");
    CHECK(action_reply(limits::Action::Defer, "4.7.0 later") == "450 4.7.0 later");
    CHECK(action_reply(limits::Action::Reject, "no") == "550 5.7.1 no");
    CHECK(action_reply(limits::Action::Reject, "5.7.9 never") == "550 5.7.9 never");
    CHECK(action_reply(limits::Action::Hold, "4.7.1 slow down") == "HOLD 4.7.1 slow down");
    CHECK(action_reply(limits::Action::Warn, "x") == "WARN x");
}

TEST_CASE("hold with its configured text, logged with the queue id") {
    Fixture f("user * messages 1/1h 1 hold \"4.7.1 slow down\"\n", "");
    test::LogCapture logs;
    CHECK(f.ask("END-OF-MESSAGE", "h@hold.example") == "DUNNO");
    CHECK(f.ask("END-OF-MESSAGE", "h@hold.example") == "HOLD 4.7.1 slow down");
    CHECK(logs.contains("4F2A81: hold: END-OF-MESSAGE from mx.example[192.0.2.7]: HOLD 4.7.1 slow down;"));
}

TEST_CASE("user identity: SASL name, else sender; configurable") {
    Fixture f("user * messages 1/1h 1 defer\n", "", "[limits]\nuser_identity = sasl_or_sender\n");
    CHECK(f.ask("END-OF-MESSAGE", "", "Bob@Acme.Example") == "DUNNO");
    CHECK(f.ask("END-OF-MESSAGE", "", "bob@acme.example") != "DUNNO");  // same user, case folded
    CHECK(f.ask("END-OF-MESSAGE", "bob@acme.example", "") != "DUNNO");  // SASL name is the same user

    Fixture g("user * messages 1/1h 1 defer\n", "", "[limits]\nuser_identity = sasl\n");
    CHECK(g.ask("END-OF-MESSAGE", "", "x@y.example") == "DUNNO");
    CHECK(g.ask("END-OF-MESSAGE", "", "x@y.example") == "DUNNO");  // no SASL: no user limit
}

TEST_CASE("default_org catches users no orgs line names") {
    Fixture f("org small messages 1/1h 1 defer\n", "@acme.example acme\n", "default_org = small\n");
    CHECK(f.ask("END-OF-MESSAGE", "a@random.example") == "DUNNO");
    CHECK(f.ask("END-OF-MESSAGE", "b@random.example") != "DUNNO");
    CHECK(f.ask("END-OF-MESSAGE", "c@acme.example") == "DUNNO");
}

TEST_CASE("a store failure answers on_error and logs an error") {
    test::TempDir tiny;
    auto counters = store::CountersDb::open(tiny.path(), 64 * 1024);
    auto data = store::DataDb::open(tiny.path(), 1 << 20);
    test::FakeClock clock;
    PolicyDecider d(*counters, *data, clock);
    tiny.write("limits", "user * messages 100/1h 100 defer\n");
    tiny.write("orgs", "");
    auto cfg = config::parse_config("[global]\npolicy_dir = " + tiny.path() + "\n", "t.conf");
    d.set_policy({cfg.config, config::load_policy(tiny.path()).policy});
    test::LogCapture logs;
    std::string last;
    for (int i = 0; i < 5000 && last.rfind("DEFER_IF_PERMIT", 0) != 0; ++i) {
        PolicyRequest r;
        r.request = "smtpd_access_policy";
        r.protocol_state = "END-OF-MESSAGE";
        std::string u = std::string(150, 'u') + std::to_string(i);
        r.sasl_username = u;
        last = d.decide(r);
    }
    CHECK(last == "DEFER_IF_PERMIT 4.3.0 Policy service temporarily unavailable");
    CHECK(logs.contains("error: counters database is full: raise [store] counters_max_size"));
}

TEST_CASE("a suppressed recipient is refused at RCPT, per org and globally, before any limit is charged") {
    Fixture f("user * recipients 1/1h 1 defer\n", "@acme.example acme\n@beta.example beta\n");
    suppress::SuppressionStore list(*f.data);
    suppress::Suppression s;
    s.org = "acme";
    s.address = "bob@remote.example";
    s.reason = suppress::Reason::HardBounce;
    s.created = 1795132800;  // 2026-11-20
    REQUIRE(list.put(s).ok());
    f.decider.set_suppressions(&list);
    test::LogCapture logs;
    CHECK(f.ask("RCPT", "alice@acme.example") == "550 5.1.1 recipient suppressed: hard bounce on 2026-11-20");
    CHECK(logs.contains("NOQUEUE: reject: RCPT from mx.example[192.0.2.7]: 550 5.1.1 recipient suppressed: hard "
                        "bounce on 2026-11-20; user=alice@acme.example org=acme suppressed=bob@remote.example "
                        "scope=org:acme reason=hard-bounce from=<s@acme.example> to=<bob@remote.example>"));
    // another org's mail to the same address passes (and its bucket is charged)
    CHECK(f.ask("RCPT", "carol@beta.example") == "DUNNO");
    // the refusal charged nothing: alice's one recipient an hour is still there
    f.decider.set_suppressions(nullptr);
    CHECK(f.ask("RCPT", "alice@acme.example") == "DUNNO");
    f.decider.set_suppressions(&list);
    // a global @domain entry refuses everyone's mail to the domain, before
    // carol's empty recipient bucket would defer it
    s.org.clear();
    s.address = "@remote.example";
    s.reason = suppress::Reason::Manual;
    REQUIRE(list.put(s).ok());
    CHECK(f.ask("RCPT", "carol@beta.example") == "550 5.1.1 recipient suppressed: manual on 2026-11-20");
    CHECK(f.decider.stats().reject == 2);
}

TEST_CASE("the suppressed reply is configurable") {
    Fixture f("", "@acme.example acme\n",
              "[policyd]\nsuppressed_reply = 550 5.7.1 <{address}> does not take our mail ({reason})\n");
    suppress::SuppressionStore list(*f.data);
    suppress::Suppression s;
    s.address = "bob@remote.example";
    s.reason = suppress::Reason::Complaint;
    REQUIRE(list.put(s).ok());
    f.decider.set_suppressions(&list);
    CHECK(f.ask("RCPT", "alice@acme.example") == "550 5.7.1 <bob@remote.example> does not take our mail (complaint)");
    CHECK(f.ask("END-OF-MESSAGE", "alice@acme.example") == "DUNNO");  // only RCPT refuses
}

TEST_CASE("a paused org's mail is held at RCPT (or deferred), with one decision line") {
    Fixture f("", "@acme.example acme\n@beta.example beta\n");
    f.dir.write("org_settings", "beta pause_action defer\n");
    auto cfg = config::parse_config("[global]\npolicy_dir = " + f.dir.path() + "\n", "test.conf");
    auto policy = config::load_policy(f.dir.path());
    REQUIRE(policy.errors.empty());
    f.decider.set_policy({cfg.config, policy.policy});
    reputation::OrgStateStore states(*f.data);
    f.decider.set_sending_state({nullptr, nullptr, &states});
    test::LogCapture logs;
    CHECK(f.ask("RCPT", "alice@acme.example") == "DUNNO");
    REQUIRE(*states.pause("acme", "bounce rate 12.0% >= 10.0% (250 sent)", "auto", 1));
    CHECK(f.ask("RCPT", "alice@acme.example") ==
          "HOLD 4.7.1 sending of org acme is paused: bounce rate 12.0% >= 10.0% (250 sent)");
    CHECK(logs.contains("NOQUEUE: hold: RCPT from mx.example[192.0.2.7]: HOLD 4.7.1 sending of org acme is paused: "
                        "bounce rate 12.0% >= 10.0% (250 sent); user=alice@acme.example org=acme paused=auto "
                        "from=<s@acme.example> to=<bob@remote.example>"));
    REQUIRE(*states.pause("beta", "manual", "cli:root", 1));
    CHECK(f.ask("RCPT", "bob@beta.example", "bob@beta.example") ==
          "450 4.7.1 sending of org beta is paused: manual");
    CHECK(f.decider.stats().paused == 2);
    REQUIRE(*states.resume("acme", "cli:root", 2));
    CHECK(f.ask("RCPT", "alice@acme.example") == "DUNNO");
}

TEST_CASE("an accepted message is recorded at END-OF-MESSAGE: sent index and org counts") {
    Fixture f("user * messages 1/1h 1 defer\n", "@acme.example acme\n");
    sent::SentIndex index(f.counters->env());
    reputation::OrgCounters counts(f.counters->env());
    f.decider.set_sending_state({&index, &counts, nullptr});
    f.clock.set(1'795'500'000'000'000);
    PolicyRequest r;
    r.request = "smtpd_access_policy";
    r.protocol_state = "END-OF-MESSAGE";
    r.sasl_username = "alice@acme.example";
    r.sender = "Alice@Acme.example";
    r.queue_id = "4F2A81";
    r.recipient_count = "3";
    CHECK(f.decider.decide(r) == "DUNNO");
    auto m = index.by_queue_id("4F2A81");
    REQUIRE(m);
    CHECK(m->org == "acme");
    CHECK(m->user == "alice@acme.example");
    CHECK(m->sender == "alice@acme.example");
    CHECK(m->recipients == 3);
    CHECK(m->time == 1'795'500'000);
    auto c = counts.window("acme", 1'795'500'000, 3600);
    CHECK(c.sent == 1);
    CHECK(c.rcpts == 3);
    // refused at END-OF-MESSAGE (the limit): not sent, not recorded
    r.queue_id = "4F2A82";
    CHECK(f.decider.decide(r).rfind("450 ", 0) == 0);
    CHECK_FALSE(index.by_queue_id("4F2A82"));
    CHECK(counts.window("acme", 1'795'500'000, 3600).sent == 1);
}
