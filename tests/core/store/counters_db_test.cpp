// Tests of src/core/store/counters_db.cpp and data_db.cpp on real LMDB.
#include <catch2/catch.hpp>

#include <lmdb.h>

#include "core/store/counters_db.hpp"
#include "core/store/data_db.hpp"
#include "support/log_capture.hpp"
#include "support/temp_dir.hpp"

using namespace sw;
using namespace sw::limits;

namespace {
const Micros t0 = 1'700'000'000LL * kMicrosPerSecond;
BucketOp op(const std::string& key, std::uint64_t burst, bool blocking = true) {
    BucketOp o;
    o.key = key;
    o.spec = {burst, 3600 * kMicrosPerSecond, burst};
    o.blocking = blocking;
    return o;
}
}  // namespace

TEST_CASE("take is all-or-none across buckets and survives reopening") {
    test::TempDir dir;
    {
        auto db = store::CountersDb::open(dir.path(), 16 << 20);
        std::vector<BucketOp> ops = {op("user:a", 5), op("org:o", 2)};
        CHECK(db->take(ops, t0, 0.8)->passed);
        CHECK(db->take(ops, t0, 0.8)->passed);
        auto third = db->take(ops, t0, 0.8);
        CHECK_FALSE(third->passed);
        CHECK(third->outcomes[0].enough);
        CHECK_FALSE(third->outcomes[1].enough);
        auto a = db->peek("user:a", t0);
        REQUIRE(a->has_value());
        CHECK(tokens((*a)->spec, (*a)->state) == 3);  // charged twice, not three times
    }
    auto db = store::CountersDb::open(dir.path(), 16 << 20);
    auto a = db->peek("user:a", t0);
    REQUIRE(a->has_value());
    CHECK(tokens((*a)->spec, (*a)->state) == 3);
    CHECK_FALSE(*db->peek("never:used", t0));
}

TEST_CASE("non-blocking ops are charged even when short") {
    test::TempDir dir;
    auto db = store::CountersDb::open(dir.path(), 16 << 20);
    std::vector<BucketOp> ops = {op("user:a", 5), op("hold:h", 1, false)};
    CHECK(db->take(ops, t0, 0.8)->passed);
    auto r = db->take(ops, t0, 0.8);
    CHECK(r->passed);
    CHECK_FALSE(r->outcomes[1].enough);
    CHECK(tokens(ops[0].spec, r->outcomes[0].state) == 3);
}

TEST_CASE("a read-only open (the CLI) reads the buckets the daemon writes") {
    test::TempDir dir;
    auto writer = store::CountersDb::open(dir.path(), 16 << 20);
    std::vector<BucketOp> ops = {op("user:a", 5)};
    REQUIRE(writer->take(ops, t0, 0.8)->passed);
    auto reader = store::CountersDb::open(dir.path(), 16 << 20, true);
    auto a = reader->peek("user:a", t0);
    REQUIRE(a.ok());
    REQUIRE(a->has_value());
    CHECK(tokens((*a)->spec, (*a)->state) == 4);
    auto none = reader->peek("never:used", t0);
    REQUIRE(none.ok());
    CHECK_FALSE(none->has_value());
}

TEST_CASE("prune removes buckets that are full again, in bounded steps") {
    test::TempDir dir;
    auto db = store::CountersDb::open(dir.path(), 16 << 20);
    for (int i = 0; i < 100; ++i) {
        std::vector<BucketOp> ops = {op("user:" + std::to_string(i), 10)};
        REQUIRE(db->take(ops, t0, 0.99)->passed);
    }
    CHECK(db->bucket_count() == 100);
    CHECK(*db->prune(t0, 1000) == 0);  // none is full yet
    Micros later = t0 + 2 * 3600 * kMicrosPerSecond;
    std::size_t removed = 0;
    for (int step = 0; step < 10; ++step) removed += *db->prune(later, 30);
    CHECK(removed == 100);
    CHECK(db->bucket_count() == 0);
}

TEST_CASE("a full map is reported with the option to raise") {
    test::TempDir dir;
    auto db = store::CountersDb::open(dir.path(), 64 * 1024);  // tiny map
    bool failed = false;
    for (int i = 0; i < 20000 && !failed; ++i) {
        std::vector<BucketOp> ops = {op("user:" + std::string(200, 'x') + std::to_string(i), 10)};
        auto r = db->take(ops, t0, 0.8);
        if (!r) {
            CHECK(r.error() == "counters database is full: raise [store] counters_max_size");
            failed = true;
        }
    }
    CHECK(failed);
}

TEST_CASE("counters of another format are reset; durable data of another format is refused") {
    test::TempDir dir;
    {
        auto db = store::CountersDb::open(dir.path(), 16 << 20);
        std::vector<BucketOp> ops = {op("user:a", 5)};
        REQUIRE(db->take(ops, t0, 0.8)->passed);
        store::lmdb::WriteTxn txn(db->env());
        MDB_dbi meta = 0;
        REQUIRE(mdb_dbi_open(txn.get_raw(), "meta", 0, &meta) == 0);
        txn.put(meta, "format", "999");
        txn.commit();
    }
    {
        test::LogCapture logs;
        auto db = store::CountersDb::open(dir.path(), 16 << 20);
        CHECK(logs.contains("format 999 is not 1: counters reset"));
        CHECK(db->bucket_count() == 0);
    }
    {
        auto data = store::DataDb::open(dir.path(), 16 << 20);
        events::Event e{"limit_hit", t0, "acme", {{"limit", "user:*:messages"}}};
        REQUIRE(data->append({e, e}).ok());
        auto got = data->events_after(0, 10);
        REQUIRE(got.size() == 2);
        CHECK(got[0].first == 1);
        CHECK(got[1].first == 2);
        CHECK(got[1].second.org == "acme");
        CHECK(got[1].second.body["limit"] == "user:*:messages");
    }
    {
        store::lmdb::EnvOptions o;
        auto env = store::lmdb::Env::open(dir.path() + "/data", o);
        MDB_dbi meta = env.open_dbi("meta");
        store::lmdb::WriteTxn txn(env);
        txn.put(meta, "format", "2");
        txn.commit();
    }
    CHECK_THROWS_WITH(store::DataDb::open(dir.path(), 16 << 20), Catch::Contains("refusing to start"));
}
