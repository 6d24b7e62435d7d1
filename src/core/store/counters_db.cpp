// CountersDb; see counters_db.hpp for the schema. take() is the one
// read-modify-write: every bucket of a request is read, decided and written
// in a single write transaction, so levels are charged all or none.
#include "core/store/counters_db.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/log/msg.hpp"
#include "core/store/record_codec.hpp"

namespace sw::store {
namespace {

constexpr std::uint8_t kRecordVersion = 1;
constexpr std::size_t kRecordSize = 1 + 16 + 8 * 6;

struct BucketRecord {
    limits::BucketState state;
    limits::BucketMarks marks;
    limits::BucketSpec spec;
};

std::string encode(const BucketRecord& r) {
    std::string out;
    out.reserve(kRecordSize);
    out.push_back(static_cast<char>(kRecordVersion));
    append_raw(out, r.state.level);
    append_raw(out, r.state.updated);
    append_raw(out, r.marks.approaching);
    append_raw(out, r.marks.hit);
    append_raw(out, r.spec.rate);
    append_raw(out, r.spec.period);
    append_raw(out, r.spec.burst);
    return out;
}

// A record of another version or size is treated as absent (a full bucket):
// counters are disposable.
std::optional<BucketRecord> decode(std::string_view v) {
    if (v.size() != kRecordSize || static_cast<std::uint8_t>(v[0]) != kRecordVersion) return std::nullopt;
    BucketRecord r;
    std::size_t at = 1;
    r.state.level = read_raw<limits::Level>(v, at), at += 16;
    r.state.updated = read_raw<Micros>(v, at), at += 8;
    r.marks.approaching = read_raw<Micros>(v, at), at += 8;
    r.marks.hit = read_raw<Micros>(v, at), at += 8;
    r.spec.rate = read_raw<std::uint64_t>(v, at), at += 8;
    r.spec.period = read_raw<Micros>(v, at), at += 8;
    r.spec.burst = read_raw<std::uint64_t>(v, at);
    if (r.spec.period <= 0 || r.spec.rate == 0) return std::nullopt;
    return r;
}

std::string store_failure(const lmdb::StoreError& e) {
    if (e.map_full()) return "counters database is full: raise [store] counters_max_size";
    return std::string("counters database: ") + e.what();
}

}  // namespace

std::unique_ptr<CountersDb> CountersDb::open(const std::string& state_dir, std::size_t map_size, bool read_only) {
    lmdb::EnvOptions opts;
    opts.map_size = map_size;
    opts.durable = false;
    opts.max_dbs = 16;
    opts.read_only = read_only;
    const std::string dir = state_dir + "/counters";
    std::optional<lmdb::Env> env;
    try {
        env.emplace(lmdb::Env::open(dir, opts));
    } catch (const lmdb::StoreError& e) {
        // A file LMDB cannot read (garbage, truncated, another LMDB version):
        // the counters are disposable, so they start afresh.
        bool unreadable = e.code() == MDB_INVALID || e.code() == MDB_VERSION_MISMATCH || e.code() == MDB_CORRUPTED;
        if (read_only || !unreadable) throw;
        msg_warn("%s: counters reset (they are disposable)", e.what());
        if (unlink((dir + "/data.mdb").c_str()) != 0 || (unlink((dir + "/lock.mdb").c_str()) != 0 && errno != ENOENT))
            throw lmdb::StoreError(dir + ": cannot remove the unreadable counters: " + std::strerror(errno), errno);
        env.emplace(lmdb::Env::open(dir, opts));
    }
    auto db = std::unique_ptr<CountersDb>(new CountersDb(std::move(*env)));
    if (read_only) {
        db->buckets_ = db->env_.open_dbi("buckets");
        return db;
    }
    MDB_dbi meta = db->env_.open_dbi("meta");
    db->buckets_ = db->env_.open_dbi("buckets");
    lmdb::WriteTxn txn(db->env_);
    auto format = txn.get(meta, "format");
    if (!format) {
        txn.put(meta, "format", kFormat);
    } else if (*format != kFormat) {
        msg_warn("%s/counters: format %.*s is not %s: counters reset (they are disposable)", state_dir.c_str(),
                 static_cast<int>(format->size()), format->data(), kFormat);
        txn.drop(db->buckets_);
        txn.put(meta, "format", kFormat);
    }
    txn.commit();
    return db;
}

Result<limits::TakeResult> CountersDb::take(std::span<const limits::BucketOp> ops, Micros now,
                                            double approach_fraction) {
    try {
        lmdb::WriteTxn txn(env_);
        // Reused per thread: a request matches a handful of buckets.
        thread_local std::vector<std::optional<limits::BucketState>> states;
        thread_local std::vector<limits::BucketMarks> marks, before;
        states.assign(ops.size(), std::nullopt);
        marks.assign(ops.size(), limits::BucketMarks{});
        for (std::size_t i = 0; i < ops.size(); ++i) {
            if (auto v = txn.get(buckets_, ops[i].key)) {
                if (auto rec = decode(*v)) {
                    states[i] = rec->state;
                    marks[i] = rec->marks;
                }
            }
        }
        before = marks;
        auto result = limits::compute_take(ops, states, marks, now, approach_fraction);
        bool dirty = false;
        for (std::size_t i = 0; i < ops.size(); ++i) {
            bool charged = result.passed && ops[i].charge;
            bool marked = marks[i].hit != before[i].hit || marks[i].approaching != before[i].approaching;
            if (!charged && !marked) continue;
            txn.put(buckets_, ops[i].key, encode({result.outcomes[i].state, marks[i], ops[i].spec}));
            dirty = true;
        }
        if (dirty) txn.commit();
        return result;
    } catch (const lmdb::StoreError& e) {
        return fail(store_failure(e));
    }
}

Result<std::optional<limits::BucketView>> CountersDb::peek(const std::string& key, Micros now) {
    try {
        lmdb::ReadTxn txn(env_);
        auto v = txn.get(buckets_, key);
        if (!v) return std::optional<limits::BucketView>();
        auto rec = decode(*v);
        if (!rec) return std::optional<limits::BucketView>();
        return std::optional<limits::BucketView>(limits::BucketView{rec->spec, limits::refill(rec->spec, rec->state, now)});
    } catch (const lmdb::StoreError& e) {
        return fail(store_failure(e));
    }
}

Result<std::size_t> CountersDb::prune(Micros now, std::size_t max) {
    try {
        lmdb::WriteTxn txn(env_);
        std::size_t removed = 0, seen = 0;
        {
            lmdb::Cursor cur(txn, buckets_);
            // Resume where the last sweep stopped, so a large table is
            // covered in bounded steps that never hold the writer long.
            bool more = prune_resume_.empty() ? cur.first() : cur.seek(prune_resume_);
            for (; more && seen < max; more = cur.next(), ++seen) {
                auto rec = decode(cur.value());
                bool drop = !rec;
                if (rec) {
                    auto s = limits::refill(rec->spec, rec->state, now);
                    bool full = limits::time_to_full(rec->spec, s) == 0;
                    bool marks_old = now - rec->marks.hit >= rec->spec.period &&
                                     now - rec->marks.approaching >= rec->spec.period;
                    drop = full && marks_old;
                }
                // After mdb_cursor_del the next MDB_NEXT yields the record
                // that followed the deleted one.
                if (drop) {
                    cur.del();
                    ++removed;
                }
            }
            prune_resume_ = more ? std::string(cur.key()) : std::string();
        }
        txn.commit();
        return removed;
    } catch (const lmdb::StoreError& e) {
        return fail(store_failure(e));
    }
}

std::size_t CountersDb::bucket_count() {
    lmdb::ReadTxn txn(env_);
    MDB_stat st{};
    mdb_stat(txn.get_raw(), buckets_, &st);
    return st.ms_entries;
}

}  // namespace sw::store
