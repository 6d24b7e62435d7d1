// Tests of src/core/ingest/ingest.cpp: attribution, suppression rules, the
// soft-bounce window, complaints, duplicates, quarantine, DMARC storage and
// the automatic pause with its notice, over real LMDB environments and the
// real parser (core/reports). The notice goes to a sendmail stand-in script
// that keeps its arguments and input.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/config/config_file.hpp"
#include "core/ingest/ingest.hpp"
#include "core/store/counters_db.hpp"
#include "support/temp_dir.hpp"

using namespace sw;

namespace {

constexpr std::int64_t kNow = 1'795'500'000;

std::string dsn(const std::string& rcpt, const std::string& status, const std::string& diag,
                const std::string& queue_id, const std::string& message_id = "<orig.1@acme.example>",
                const std::string& action = "failed") {
    return "From: MAILER-DAEMON@mx.acme.example\n"
           "To: alice@acme.example\n"
           "Subject: Undelivered Mail Returned to Sender\n"
           "Message-ID: <dsn." + queue_id + rcpt + status + "@mx.acme.example>\n"
           "MIME-Version: 1.0\n"
           "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\n\n"
           "--b1\nContent-Type: text/plain\n\nDelivery failed.\n\n"
           "--b1\nContent-Type: message/delivery-status\n\n"
           "Reporting-MTA: dns; mx.acme.example\nX-Postfix-Queue-ID: " + queue_id + "\n\n"
           "Final-Recipient: rfc822; " + rcpt + "\nAction: " + action + "\nStatus: " + status +
           "\nDiagnostic-Code: smtp; " + diag + "\n\n"
           "--b1\nContent-Type: text/rfc822-headers\n\n"
           "From: alice@acme.example\nTo: " + rcpt + "\nMessage-ID: " + message_id + "\nSubject: hi\n\n"
           "--b1--\n";
}

std::string arf(const std::string& rcpt, const std::string& message_id, const std::string& type = "abuse") {
    return "From: fbl@isp.example\n"
           "To: fbl@acme.example\n"
           "Subject: FW: hi\n"
           "Message-ID: <arf." + rcpt + type + "@isp.example>\n"
           "MIME-Version: 1.0\n"
           "Content-Type: multipart/report; report-type=feedback-report; boundary=\"a1\"\n\n"
           "--a1\nContent-Type: text/plain\n\nThis is an abuse report.\n\n"
           "--a1\nContent-Type: message/feedback-report\n\n"
           "Feedback-Type: " + type + "\nUser-Agent: isp-fbl/1.0\nVersion: 1\nOriginal-Rcpt-To: " + rcpt +
           "\nSource-IP: 192.0.2.1\n\n"
           "--a1\nContent-Type: message/rfc822\n\n"
           "From: alice@acme.example\nTo: " + rcpt + "\nMessage-ID: " + message_id + "\nSubject: hi\n\nbody\n\n"
           "--a1--\n";
}

struct World {
    test::TempDir dir;
    std::shared_ptr<const config::Config> cfg;
    std::shared_ptr<const config::Policy> policy;
    std::unique_ptr<store::DataDb> data;
    std::unique_ptr<store::CountersDb> counters;
    std::unique_ptr<ingest::Ingestor> ingestor;
    std::unique_ptr<sent::SentIndex> sent;

    explicit World(const std::string& extra_conf = "", const std::string& settings = "") {
        std::filesystem::create_directories(dir.path() + "/policy");
        dir.write("policy/orgs", "@acme.example acme\n");
        dir.write("policy/limits", "");
        if (!settings.empty()) dir.write("policy/org_settings", settings);
        // a sendmail that keeps what it was given
        std::string sm = dir.write("sendmail", "#!/bin/sh\necho \"$@\" > " + dir.path() + "/sendmail.args\ncat > " +
                                                   dir.path() + "/sendmail.msg\n");
        chmod(sm.c_str(), 0755);
        auto c = config::parse_config("[global]\npolicy_dir = " + dir.path() + "/policy\n[store]\nstate_dir = " +
                                          dir.path() + "/state\n[reputation]\nsendmail_path = " + sm +
                                          "\nnotify_from = sw@acme.example\n" + extra_conf,
                                      "test.conf");
        REQUIRE(c.errors.empty());
        cfg = c.config;
        auto p = config::load_policy(dir.path() + "/policy");
        REQUIRE(p.errors.empty());
        policy = p.policy;
        std::filesystem::create_directories(dir.path() + "/state");
        data = store::DataDb::open(dir.path() + "/state", 16 << 20);
        counters = store::CountersDb::open(dir.path() + "/state", 16 << 20);
        ingestor = std::make_unique<ingest::Ingestor>(ingest::Ingestor::Parts{*cfg, *policy, *data, counters->env()});
        sent = std::make_unique<sent::SentIndex>(counters->env());
    }

    void sent_message(const std::string& queue_id, const std::string& message_id, std::uint64_t rcpts = 1) {
        sent::SentMessage m;
        m.queue_id = queue_id;
        m.time = kNow - 60;
        m.user = "alice@acme.example";
        m.org = "acme";
        m.sender = "alice@acme.example";
        m.recipients = rcpts;
        REQUIRE(sent->record_sent(m).ok());
        if (!message_id.empty()) REQUIRE(sent->record_message_id(queue_id, message_id, kNow - 60).ok());
        reputation::Counts c;
        c.sent = 1;
        c.rcpts = rcpts;
        REQUIRE(reputation::OrgCounters(counters->env()).add("acme", kNow - 60, c).ok());
    }

    ingest::IngestResult run(const std::string& raw, std::int64_t now = kNow) {
        auto r = ingestor->ingest(raw, now);
        REQUIRE(std::holds_alternative<ingest::IngestResult>(r));
        return std::get<ingest::IngestResult>(r);
    }

    std::optional<suppress::Suppression> suppressed(const std::string& org, const std::string& address) {
        return suppress::SuppressionStore(*data).get(org, address);
    }
};

}  // namespace

TEST_CASE("ingest: a hard bounce matched by queue id suppresses the recipient for the org") {
    World w;
    w.sent_message("4ABC1", "<orig.1@acme.example>");
    auto r = w.run(dsn("Bob@Remote.example", "5.1.1", "550 5.1.1 <bob@remote.example>: User unknown", "4ABC1"));
    CHECK(r.disposition == "applied");
    CHECK(r.matched);
    CHECK(r.matched_by == "queue-id");
    CHECK(r.org == "acme");
    REQUIRE(r.outcomes.size() == 1);
    CHECK(r.outcomes[0].action == "suppressed");
    auto s = w.suppressed("acme", "bob@remote.example");
    REQUIRE(s);
    CHECK(s->reason == suppress::Reason::HardBounce);
    CHECK(s->expires == 0);
    CHECK(s->source.rfind("dsn:<dsn.", 0) == 0);
    CHECK_FALSE(w.suppressed("", "bob@remote.example"));
    auto events = w.data->events_after(0, 10);
    REQUIRE(events.size() == 2);
    CHECK(events[0].second.type == "suppression_added");
    CHECK(events[1].second.type == "bounce");
    auto c = reputation::OrgCounters(w.counters->env()).window("acme", kNow, 3600);
    CHECK(c.hard == 1);
    CHECK(c.unmatched == 0);
}

TEST_CASE("ingest: attribution by Message-ID when the queue id is unknown; hard_bounce_scope = global") {
    World w("[ingest]\nhard_bounce_scope = global\n");
    w.sent_message("4ABC2", "<orig.2@acme.example>");
    auto r = w.run(dsn("carol@remote.example", "5.1.1", "550 5.1.1 user unknown", "OTHERQ", "<orig.2@acme.example>"));
    CHECK(r.matched_by == "message-id");
    CHECK(r.queue_id == "4ABC2");
    CHECK(w.suppressed("", "carol@remote.example"));
}

TEST_CASE("ingest: a forged bounce (no sent record) suppresses nobody unless accept_unmatched") {
    World w;
    auto r = w.run(dsn("victim@remote.example", "5.1.1", "550 5.1.1 user unknown", "FORGED1", "<nope@acme.example>"));
    CHECK_FALSE(r.matched);
    CHECK(r.matched_by == "sender");
    CHECK(r.org == "acme");
    REQUIRE(r.outcomes.size() == 1);
    CHECK(r.outcomes[0].action == "not-suppressed-unmatched");
    CHECK_FALSE(w.suppressed("acme", "victim@remote.example"));
    auto c = reputation::OrgCounters(w.counters->env()).window("acme", kNow, 3600);
    CHECK(c.unmatched == 1);
    CHECK(c.hard == 0);  // a forged bounce must not move the org's rate

    World trusting("[ingest]\naccept_unmatched = yes\n");
    auto t = trusting.run(dsn("victim@remote.example", "5.1.1", "550 5.1.1 user unknown", "FORGED1", "<nope@x>"));
    CHECK(t.outcomes[0].action == "suppressed");
    CHECK(trusting.suppressed("acme", "victim@remote.example"));
}

TEST_CASE("ingest: blocks and mailbox-full are never suppressed at once; soft bounces after N in the window") {
    World w("[ingest]\nsoft_bounce_limit = 3\nsoft_bounce_window = 72h\nsoft_bounce_suppress_for = 7d\n");
    w.sent_message("Q1", "");
    auto blocked = w.run(dsn("dan@remote.example", "5.7.1",
                             "550 5.7.1 Service unavailable; client [192.0.2.1] blocked using zen.spamhaus.org", "Q1"));
    REQUIRE(blocked.outcomes.size() == 1);
    CHECK_FALSE(blocked.outcomes[0].recipient.hard);
    CHECK(blocked.outcomes[0].action == "counted");
    CHECK_FALSE(w.suppressed("acme", "dan@remote.example"));

    // mailbox full three times: counted, counted, then suppressed for 7 days
    for (int i = 0; i < 3; ++i) {
        std::string q = "QF" + std::to_string(i);
        w.sent_message(q, "");
        auto r = w.run(dsn("erin@remote.example", "5.2.2", "552 5.2.2 Mailbox full " + std::to_string(i), q),
                       kNow + i * 3600);
        REQUIRE(r.outcomes.size() == 1);
        CHECK(r.outcomes[0].recipient.reason == reports::BounceReason::MailboxFull);
        CHECK(r.outcomes[0].soft_count == i + 1);
        CHECK(r.outcomes[0].action == (i < 2 ? "soft-counted" : "soft-suppressed"));
    }
    auto s = w.suppressed("acme", "erin@remote.example");
    REQUIRE(s);
    CHECK(s->reason == suppress::Reason::SoftBounce);
    CHECK(s->expires == kNow + 2 * 3600 + 7 * 86400);

    // outside the window the count starts again
    w.sent_message("QG0", "");
    w.run(dsn("finn@remote.example", "4.2.2", "452 4.2.2 over quota", "QG0"), kNow);
    w.sent_message("QG1", "");
    auto late = w.run(dsn("finn@remote.example", "5.2.2", "552 5.2.2 over quota again", "QG1"), kNow + 73 * 3600);
    CHECK(late.outcomes[0].soft_count == 1);
}

TEST_CASE("ingest: a delay notice suppresses and counts nothing") {
    World w;
    w.sent_message("QD", "");
    auto r = w.run(dsn("gail@remote.example", "4.4.7", "451 4.4.7 delivery time expired", "QD", "<d@x>", "delayed"));
    REQUIRE(r.outcomes.size() == 1);
    CHECK_FALSE(r.outcomes[0].recipient.permanent);
    CHECK(r.outcomes[0].action == "none-delayed");
    CHECK(reputation::OrgCounters(w.counters->env()).window("acme", kNow, 3600).soft == 0);
}

TEST_CASE("ingest: a complaint suppresses for the org and is not downgraded; not-spam suppresses nobody") {
    World w;
    w.sent_message("QC", "<c1@acme.example>");
    auto r = w.run(arf("heidi@remote.example", "<c1@acme.example>"));
    CHECK(r.report.kind == reports::ReportKind::Complaint);
    CHECK(r.matched_by == "message-id");
    REQUIRE(r.outcomes.size() == 1);
    CHECK(r.outcomes[0].action == "suppressed");
    auto s = w.suppressed("acme", "heidi@remote.example");
    REQUIRE(s);
    CHECK(s->reason == suppress::Reason::Complaint);
    // a later hard bounce for the same address keeps the complaint
    w.sent_message("QC2", "");
    auto b = w.run(dsn("heidi@remote.example", "5.1.1", "550 5.1.1 unknown", "QC2"));
    CHECK(b.outcomes[0].action == "already-suppressed");
    CHECK(w.suppressed("acme", "heidi@remote.example")->reason == suppress::Reason::Complaint);

    auto ns = w.run(arf("ivan@remote.example", "<c1@acme.example>", "not-spam"));
    CHECK(ns.outcomes[0].action == "ignored");
    CHECK_FALSE(w.suppressed("acme", "ivan@remote.example"));
    CHECK(reputation::OrgCounters(w.counters->env()).window("acme", kNow, 3600).complaints == 1);
}

TEST_CASE("ingest: the same message twice is a duplicate; other mail is quarantined, never dropped") {
    World w;
    w.sent_message("QX", "");
    std::string m = dsn("judy@remote.example", "5.1.1", "550 5.1.1 unknown", "QX");
    CHECK(w.run(m).disposition == "applied");
    CHECK(w.run(m).disposition == "duplicate");
    CHECK(w.data->events_after(0, 100).size() == 2);  // one suppression, one bounce: not twice

    std::string hello = "From: friend@remote.example\nTo: alice@acme.example\nSubject: lunch?\n\nAre you free?\n";
    auto q = w.run(hello);
    CHECK(q.disposition == "quarantined");
    REQUIRE_FALSE(q.quarantine_path.empty());
    CHECK(q.quarantine_path.rfind(w.dir.path() + "/state/quarantine/", 0) == 0);
    std::ifstream in(q.quarantine_path);
    std::stringstream kept;
    kept << in.rdbuf();
    CHECK(kept.str() == hello);
    CHECK(w.run(hello).quarantine_path == q.quarantine_path);  // a retry keeps one copy
}

TEST_CASE("ingest: crossing warn then pause changes the org state once each and e-mails its contacts") {
    World w("", "acme contact ops@acme.example\nacme min_volume 10\nacme bounce_warn 10%\nacme bounce_pause 20%\n");
    for (int i = 0; i < 10; ++i) w.sent_message("S" + std::to_string(i), "");
    auto r1 = w.run(dsn("k1@remote.example", "5.1.1", "550 5.1.1 unknown", "S0"));
    REQUIRE(r1.org_changes.size() == 1);
    CHECK(r1.org_changes[0] == "org acme warned: bounce rate 10.0% >= 10.0% (10 sent)");
    std::ifstream args(w.dir.file("sendmail.args"));
    std::string a((std::istreambuf_iterator<char>(args)), {});
    CHECK(a == "-i -f sw@acme.example -- ops@acme.example\n");
    auto r2 = w.run(dsn("k2@remote.example", "5.1.1", "550 5.1.1 unknown", "S1"));
    REQUIRE(r2.org_changes.size() == 1);
    CHECK(r2.org_changes[0].rfind("org acme paused: bounce rate 20.0% >= 20.0%", 0) == 0);
    CHECK(reputation::OrgStateStore(*w.data).paused("acme"));
    std::ifstream msg(w.dir.file("sendmail.msg"));
    std::string m((std::istreambuf_iterator<char>(msg)), {});
    CHECK(m.find("Subject: [sendwarden] org acme paused: bounce rate 20.0%") != std::string::npos);
    CHECK(m.find("sendwarden org resume acme") != std::string::npos);
    auto r3 = w.run(dsn("k3@remote.example", "5.1.1", "550 5.1.1 unknown", "S2"));
    CHECK(r3.org_changes.empty());  // already paused: no second notice
}

TEST_CASE("ingest: batch mode commits at flush and judges orgs then") {
    World w("", "acme min_volume 2\nacme bounce_pause 50%\n");
    w.sent_message("B0", "");
    w.sent_message("B1", "");
    w.ingestor->set_batch(100);
    auto r = w.run(dsn("m1@remote.example", "5.1.1", "550 5.1.1 unknown", "B0"));
    CHECK(r.org_changes.empty());
    auto flushed = w.ingestor->flush(kNow);
    REQUIRE(flushed.ok());
    REQUIRE(flushed->size() == 1);
    CHECK(flushed->front().rfind("org acme paused", 0) == 0);
    CHECK(w.suppressed("acme", "m1@remote.example"));
}
