// CountersDb: the disposable counters environment (DESIGN "State"), opened
// without sync (MDB_WRITEMAP|MDB_MAPASYNC|MDB_NOSYNC): a process crash loses
// nothing (LMDB), a power cut may lose the last updates, which is harmless
// for rate limits. The data file is sparse: counters_max_size is reserved,
// only what is used takes disk space, plus a few MiB allocated ahead so that
// a full disk is an error, not a SIGBUS (lmdb::Env). Implements BucketStore.
//
// Schema (database "buckets"):
//   key   = bucket_key(): "<scope>:<metric>:<rate>/<period>:<member>"
//   value = version(1)=1 | level(int128) | updated_us | approach_mark_us |
//           hit_mark_us | rate | period_us | burst      (65 bytes, host order)
// Database "meta": "format" -> "1". Another format version resets the
// counters (disposable) with a log line.
#pragma once

#include <string>

#include "core/limits/bucket_store.hpp"
#include "core/store/lmdb_env.hpp"

namespace sw::store {

class CountersDb final : public limits::BucketStore {
public:
    static constexpr char kFormat[] = "1";

    // Opens or creates `state_dir`/counters. Throws lmdb::StoreError.
    static std::unique_ptr<CountersDb> open(const std::string& state_dir, std::size_t map_size,
                                            bool read_only = false);

    Result<limits::TakeResult> take(std::span<const limits::BucketOp> ops, Micros now,
                                    double approach_fraction) override;
    Result<std::optional<limits::BucketView>> peek(const std::string& key, Micros now) override;
    Result<std::size_t> prune(Micros now, std::size_t max) override;

    std::size_t bucket_count();
    lmdb::Env& env() { return env_; }

private:
    explicit CountersDb(lmdb::Env env) : env_(std::move(env)) {}
    lmdb::Env env_;
    MDB_dbi buckets_ = 0;
    std::string prune_resume_;  // key where the next prune() sweep starts
};

}  // namespace sw::store
