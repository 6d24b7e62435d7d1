// DataDb; see data_db.hpp for the schema.
#include "core/store/data_db.hpp"

#include <sys/stat.h>

#include "core/store/record_codec.hpp"

namespace sw::store {
namespace {

constexpr std::uint8_t kEventVersion = 1;

}  // namespace

std::unique_ptr<DataDb> DataDb::open(const std::string& state_dir, std::size_t map_size, bool read_only) {
    lmdb::EnvOptions opts;
    opts.map_size = map_size;
    opts.durable = true;
    opts.read_only = read_only;
    opts.max_dbs = 16;
    std::string dir = state_dir + "/data";
    // LMDB makes a new environment in an empty data.mdb: a file truncated
    // to nothing would silently become an empty store.
    struct stat st{};
    if (stat((dir + "/data.mdb").c_str(), &st) == 0 && st.st_size == 0)
        throw lmdb::StoreError(dir + "/data.mdb is empty: refusing to start on it (this data is durable; "
                                     "restore it, or remove the file to start afresh)",
                               MDB_INVALID);
    auto db = std::unique_ptr<DataDb>(new DataDb(lmdb::Env::open(dir, opts)));
    MDB_dbi meta = db->env_.open_dbi("meta");
    db->events_ = db->env_.open_dbi("events");
    if (read_only) return db;
    lmdb::WriteTxn txn(db->env_);
    auto format = txn.get(meta, "format");
    if (!format) {
        txn.put(meta, "format", kFormat);
    } else if (*format != kFormat) {
        throw lmdb::StoreError(dir + ": data format version " + std::string(*format) + " is not " + kFormat +
                                   ": refusing to start (this data is durable; upgrade or restore it)",
                               0);
    }
    txn.commit();
    return db;
}

Result<void> DataDb::append(const std::vector<events::Event>& events) {
    if (events.empty()) return {};
    try {
        lmdb::WriteTxn txn(env_);
        append_in(txn, events);
        txn.commit();
        return {};
    } catch (const lmdb::StoreError& e) {
        if (e.map_full()) return fail("data database is full: raise [store] data_max_size");
        return fail(std::string("data database: ") + e.what());
    }
}

void DataDb::append_in(lmdb::WriteTxn& txn, const std::vector<events::Event>& events) {
    std::uint64_t next = 1;
    {
        lmdb::Cursor cur(txn, events_);
        if (cur.last()) next = read_be64(cur.key(), 0) + 1;
    }
    for (const auto& e : events) {
        nlohmann::json j = {{"type", e.type}, {"time", e.time}, {"org", e.org}, {"body", e.body}};
        std::string key, value(1, static_cast<char>(kEventVersion));
        append_be64(key, next++);
        value += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        txn.put(events_, key, value, MDB_APPEND);
    }
}

std::vector<std::pair<std::uint64_t, events::Event>> DataDb::events_after(std::uint64_t after, std::size_t max) {
    std::vector<std::pair<std::uint64_t, events::Event>> out;
    lmdb::ReadTxn txn(env_);
    lmdb::Cursor cur(txn, events_);
    std::string start;
    append_be64(start, after + 1);
    for (bool more = cur.seek(start); more && out.size() < max; more = cur.next()) {
        auto v = cur.value();
        if (v.empty() || static_cast<std::uint8_t>(v[0]) != kEventVersion) continue;
        auto j = nlohmann::json::parse(v.substr(1), nullptr, false);
        if (j.is_discarded()) continue;
        events::Event e;
        e.type = j.value("type", "");
        e.time = j.value("time", Micros{0});
        e.org = j.value("org", "");
        e.body = j.value("body", nlohmann::json::object());
        out.emplace_back(read_be64(cur.key(), 0), std::move(e));
    }
    return out;
}

}  // namespace sw::store
