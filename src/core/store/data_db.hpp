// DataDb: the durable data environment (DESIGN "State"): every commit is
// synced, nothing written here may be lost. Holds events now; suppressions,
// the sent-message index, org state and reports join it in later work.
//
// Schema:
//   "meta":   "format" -> "1". Another version: refuse to open (never reset
//             durable data silently).
//   "events": key = id (big-endian u64, monotonic from 1)
//             value = version(1)=1 | JSON {"type","time","org","body"}
//   "suppressions": see core/suppress/suppression_store.hpp (added within
//             format 1: a named database LMDB creates when first opened)
//   "org_state": see core/reputation/org_state.hpp
//   "soft_bounces", "ingested": see core/ingest/ingest.hpp
//   "reports": see core/ingest/report_archive.hpp
#pragma once

#include <string>

#include "core/events/event.hpp"
#include "core/store/lmdb_env.hpp"

namespace sw::store {

class DataDb final : public events::EventSink {
public:
    static constexpr char kFormat[] = "1";

    // Opens or creates `state_dir`/data. Throws lmdb::StoreError, also for a
    // format version it does not know.
    static std::unique_ptr<DataDb> open(const std::string& state_dir, std::size_t map_size, bool read_only = false);

    Result<void> append(const std::vector<events::Event>& events) override;
    // The same inside a write transaction of the caller, so a state change
    // and its event commit together (DESIGN "Events"). Throws StoreError.
    void append_in(lmdb::WriteTxn& txn, const std::vector<events::Event>& events);

    // The environment, for the stores that keep their own named databases in it.
    lmdb::Env& env() noexcept { return env_; }

    // Events with id > after, oldest first, at most `max`.
    std::vector<std::pair<std::uint64_t, events::Event>> events_after(std::uint64_t after, std::size_t max);

private:
    explicit DataDb(lmdb::Env env) : env_(std::move(env)) {}
    lmdb::Env env_;
    MDB_dbi events_ = 0;
};

}  // namespace sw::store
