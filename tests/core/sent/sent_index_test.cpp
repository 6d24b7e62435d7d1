// Tests of src/core/sent/sent_index.cpp over a real LMDB counters environment.
#include <catch2/catch.hpp>

#include "core/sent/sent_index.hpp"
#include "core/store/counters_db.hpp"
#include "support/temp_dir.hpp"

using namespace sw;
using namespace sw::sent;

namespace {

SentMessage msg(std::string qid, std::int64_t t, std::string org) {
    SentMessage m;
    m.queue_id = std::move(qid);
    m.time = t;
    m.user = "alice@acme.example";
    m.org = std::move(org);
    m.sender = "alice@acme.example";
    m.recipients = 3;
    return m;
}

}  // namespace

TEST_CASE("sent index: policyd's record and the milter's Message-ID merge in either order") {
    test::TempDir dir;
    auto db = store::CountersDb::open(dir.path(), 16 << 20);
    SentIndex index(db->env());

    // policyd first, then the milter
    REQUIRE(index.record_sent(msg("4ABC1", 1000, "acme")).ok());
    REQUIRE(index.record_message_id("4ABC1", "<m1@acme.example>", 1001).ok());
    auto a = index.by_message_id("<m1@acme.example>");
    REQUIRE(a);
    CHECK(a->queue_id == "4ABC1");
    CHECK(a->org == "acme");
    CHECK(a->recipients == 3);
    CHECK(a->time == 1000);

    // the milter first, then policyd: the Message-ID survives
    REQUIRE(index.record_message_id("4ABC2", "<m2@acme.example>", 2000).ok());
    REQUIRE(index.record_sent(msg("4ABC2", 2001, "beta")).ok());
    auto b = index.by_queue_id("4ABC2");
    REQUIRE(b);
    CHECK(b->message_id == "<m2@acme.example>");
    CHECK(b->org == "beta");
    CHECK(b->time == 2000);

    CHECK_FALSE(index.by_queue_id("NOPE"));
    CHECK_FALSE(index.by_message_id("<nope@x>"));
    CHECK_FALSE(index.record_sent(msg("", 1, "x")).ok());
}

TEST_CASE("sent index: prune removes old entries and their Message-ID, keeps newer ones") {
    test::TempDir dir;
    auto db = store::CountersDb::open(dir.path(), 16 << 20);
    SentIndex index(db->env());
    for (int i = 0; i < 50; ++i) {
        std::string q = "Q" + std::to_string(i);
        REQUIRE(index.record_sent(msg(q, 100 + i, "acme")).ok());
        REQUIRE(index.record_message_id(q, "<" + q + "@x>", 100 + i).ok());
    }
    // in bounded steps
    auto r = index.prune(130, 10);
    REQUIRE(r.ok());
    CHECK(*r == 10);
    r = index.prune(130, 1000);
    REQUIRE(r.ok());
    CHECK(*r == 20);
    CHECK_FALSE(index.by_queue_id("Q29"));
    CHECK_FALSE(index.by_message_id("<Q29@x>"));
    CHECK(index.by_queue_id("Q30"));
    CHECK(index.by_message_id("<Q49@x>"));
    r = index.prune(130, 1000);
    REQUIRE(r.ok());
    CHECK(*r == 0);
}

TEST_CASE("sent index: a Message-ID is reduced to its <id>") {
    CHECK(normalize_message_id(" <abc@host.example> (comment)") == "<abc@host.example>");
    CHECK(normalize_message_id("abc@host.example") == "<abc@host.example>");
    CHECK(normalize_message_id("") == "");
    CHECK(normalize_message_id("<>") == "");
    CHECK(normalize_message_id("<unterminated") == "");
}

TEST_CASE("sent index: a normalised Message-ID normalises to itself (fuzz-address)") {
    // A bare id with '>' inside became "<>>>" or "<a>b>", which normalise to ""
    // and "<a>": the milter's key and ingest's key for one message differed.
    CHECK(normalize_message_id(">>") == "");
    CHECK(normalize_message_id("a>b@host.example") == "");
    // The length limit is the same with and without the brackets.
    const std::string inside(997, 'x');
    CHECK(normalize_message_id(inside) == "<" + inside + ">");
    CHECK(normalize_message_id("<" + inside + ">") == "<" + inside + ">");
    CHECK(normalize_message_id(inside + "x") == "");
    CHECK(normalize_message_id("<" + inside + "x>") == "");
    for (std::string id : {"abc@host.example", " <abc@host.example> (c)", "<<a>", "a<b>", "x\"y\"@z"}) {
        const std::string once = normalize_message_id(id);
        CHECK(normalize_message_id(once) == once);
    }
}
