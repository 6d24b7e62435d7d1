// LMDB RAII; see lmdb_env.hpp.
#include "core/store/lmdb_env.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace sw::store::lmdb {

void throw_error(const char* op, int rc) {
    throw StoreError(std::string(op) + ": " + mdb_strerror(rc), rc);
}

namespace {

MDB_val val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }

void make_dir(const std::string& dir) {
    if (mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST)
        throw StoreError("mkdir " + dir + ": " + std::strerror(errno), errno);
}

}  // namespace

Env Env::open(const std::string& dir, const EnvOptions& opts) {
    if (!opts.read_only) make_dir(dir);
    MDB_env* raw = nullptr;
    int rc = mdb_env_create(&raw);
    if (rc != 0) throw_error("mdb_env_create", rc);
    Env env;
    env.env_.reset(raw);
    env.dir_ = dir;
    env.read_only_ = opts.read_only;
    if ((rc = mdb_env_set_mapsize(raw, opts.map_size)) != 0) throw_error("mdb_env_set_mapsize", rc);
    if ((rc = mdb_env_set_maxdbs(raw, opts.max_dbs)) != 0) throw_error("mdb_env_set_maxdbs", rc);
    if ((rc = mdb_env_set_maxreaders(raw, 512)) != 0) throw_error("mdb_env_set_maxreaders", rc);
    // MDB_NOTLS: read transactions are not tied to a thread (libmilter runs
    // a thread per connection).
    unsigned flags = MDB_NOTLS;
    if (!opts.durable) flags |= MDB_NOSYNC | MDB_WRITEMAP | MDB_MAPASYNC;
    if (opts.read_only) flags |= MDB_RDONLY;
    if ((rc = mdb_env_open(raw, dir.c_str(), flags, 0640)) != 0)
        throw StoreError("open " + dir + "/data.mdb: " + mdb_strerror(rc), rc);
    int dead = 0;
    mdb_reader_check(raw, &dead);  // clear slots of readers that died
    return env;
}

MDB_dbi Env::open_dbi(const char* name) {
    MDB_dbi dbi = 0;
    if (read_only_) {
        // The handle outlives the transaction only if that commits: an
        // aborted one closes it, and every later mdb_get fails with EINVAL.
        ReadTxn txn(*this);
        int rc = mdb_dbi_open(txn.get_raw(), name, 0, &dbi);
        if (rc != 0) throw_error("mdb_dbi_open", rc);
        MDB_txn* raw = txn.release();
        if ((rc = mdb_txn_commit(raw)) != 0) throw_error("mdb_txn_commit", rc);
        return dbi;
    }
    WriteTxn txn(*this);
    int rc = mdb_dbi_open(txn.get_raw(), name, MDB_CREATE, &dbi);
    if (rc != 0) throw_error("mdb_dbi_open", rc);
    txn.commit();
    return dbi;
}

ReadTxn::ReadTxn(Env& env, unsigned flags) {
    int rc = mdb_txn_begin(env.get(), nullptr, flags, &txn_);
    if (rc == MDB_READERS_FULL) {
        // Slots of crashed readers are reclaimed, then one more try (Knot).
        int dead = 0;
        mdb_reader_check(env.get(), &dead);
        rc = mdb_txn_begin(env.get(), nullptr, flags, &txn_);
    }
    if (rc != 0) {
        txn_ = nullptr;
        throw_error("mdb_txn_begin", rc);
    }
}

std::optional<std::string_view> ReadTxn::get(MDB_dbi dbi, std::string_view key) const {
    MDB_val k = val(key), v{};
    int rc = mdb_get(txn_, dbi, &k, &v);
    if (rc == MDB_NOTFOUND) return std::nullopt;
    if (rc != 0) throw_error("mdb_get", rc);
    return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}

void WriteTxn::put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags) {
    MDB_val k = val(key), v = val(value);
    int rc = mdb_put(txn_, dbi, &k, &v, flags);
    if (rc != 0) throw_error("mdb_put", rc);
}

bool WriteTxn::del(MDB_dbi dbi, std::string_view key) {
    MDB_val k = val(key);
    int rc = mdb_del(txn_, dbi, &k, nullptr);
    if (rc == MDB_NOTFOUND) return false;
    if (rc != 0) throw_error("mdb_del", rc);
    return true;
}

void WriteTxn::drop(MDB_dbi dbi) {
    int rc = mdb_drop(txn_, dbi, 0);
    if (rc != 0) throw_error("mdb_drop", rc);
}

void WriteTxn::commit() {
    MDB_txn* t = txn_;
    txn_ = nullptr;  // finished either way: mdb_txn_commit frees it
    int rc = mdb_txn_commit(t);
    if (rc != 0) throw_error("mdb_txn_commit", rc);
}

Cursor::Cursor(const ReadTxn& txn, MDB_dbi dbi) {
    int rc = mdb_cursor_open(txn.get_raw(), dbi, &cur_);
    if (rc != 0) throw_error("mdb_cursor_open", rc);
}

bool Cursor::step(MDB_cursor_op op) {
    int rc = mdb_cursor_get(cur_, &k_, &v_, op);
    if (rc == MDB_NOTFOUND) return false;
    if (rc != 0) throw_error("mdb_cursor_get", rc);
    return true;
}

bool Cursor::first() { return step(MDB_FIRST); }
bool Cursor::next() { return step(MDB_NEXT); }
bool Cursor::last() { return step(MDB_LAST); }

bool Cursor::seek(std::string_view key) {
    k_ = val(key);
    return step(MDB_SET_RANGE);
}

void Cursor::del() {
    int rc = mdb_cursor_del(cur_, 0);
    if (rc != 0) throw_error("mdb_cursor_del", rc);
}

}  // namespace sw::store::lmdb
