// Tests of src/core/store/lmdb_env.cpp on real LMDB: the disk blocks an
// environment holds. LMDB stores into mapped files (lock.mdb always,
// data.mdb with MDB_WRITEMAP); a store into a hole on a full disk is a
// SIGBUS, so the blocks must be there before LMDB writes. The full disk
// itself is tried in tests/reliability/disk_full.py (root: a small tmpfs).
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "core/store/lmdb_env.hpp"
#include "support/temp_dir.hpp"

using namespace sw::store;

namespace {
struct stat stat_of(const std::string& path) {
    struct stat st{};
    REQUIRE(stat(path.c_str(), &st) == 0);
    return st;
}

std::size_t allocated(const struct stat& st) { return static_cast<std::size_t>(st.st_blocks) * 512; }
}  // namespace

TEST_CASE("the mapped files of an environment hold their blocks before LMDB stores into them") {
    sw::test::TempDir dir;
    for (bool durable : {true, false}) {
        DYNAMIC_SECTION((durable ? "durable (data)" : "MDB_WRITEMAP (counters)")) {
            const std::string env_dir = dir.file(durable ? "d" : "c");
            lmdb::EnvOptions opts;
            opts.map_size = 64 << 20;
            opts.durable = durable;
            auto env = lmdb::Env::open(env_dir, opts);
            MDB_dbi dbi = env.open_dbi("t");
            lmdb::WriteTxn txn(env);
            txn.put(dbi, "key", "value");
            txn.commit();
            auto lock = stat_of(env_dir + "/lock.mdb");
            CHECK(lock.st_size > 0);
            CHECK(allocated(lock) >= static_cast<std::size_t>(lock.st_size));
            auto data = stat_of(env_dir + "/data.mdb");
            if (durable) {
                CHECK(static_cast<std::size_t>(data.st_size) < opts.map_size);  // written, not mapped
            } else {
                // A sparse file of the map size, 4 MiB allocated ahead of
                // the pages in use.
                CHECK(static_cast<std::size_t>(data.st_size) == opts.map_size);
                CHECK(allocated(data) >= (4u << 20));
                CHECK(allocated(data) < opts.map_size);
            }
        }
    }
}
