// RAII over LMDB (lmdb-safe and Knot's knot_lmdb are the models): an Env per
// environment directory, move-only ReadTxn/WriteTxn that abort in their
// destructor, a Cursor closed before its transaction ends. Failures throw
// StoreError (caught by the store classes, which return sw::Result); the
// map-full case is told apart so callers can name the option to raise, and
// a full disk (or a failing one) is said as such, naming the directory.
#pragma once

#include <lmdb.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace sw::store::lmdb {

class StoreError : public std::runtime_error {
public:
    StoreError(const std::string& what, int code) : std::runtime_error(what), code_(code) {}
    int code() const noexcept { return code_; }
    bool map_full() const noexcept { return code_ == MDB_MAP_FULL; }

private:
    int code_;
};

[[noreturn]] void throw_error(const char* op, int rc);

struct EnvOptions {
    std::size_t map_size = 1ULL << 30;
    unsigned max_dbs = 8;
    // false: MDB_WRITEMAP|MDB_MAPASYNC|MDB_NOSYNC (counters): a commit is a
    // few stores into the shared map, no write() or fsync(); a process crash
    // loses nothing, a power cut may lose recent updates. data.mdb is then a
    // sparse file of the map size, and a store into a hole on a full disk is
    // a SIGBUS: every write transaction first has the blocks allocated ahead
    // of the last page in use (Env::reserve_ahead), so a full disk is
    // ENOSPC from the transaction instead.
    bool durable = true;
    bool read_only = false;
};

class Env {
public:
    // Opens (creating the directory if needed) the environment in `dir`.
    static Env open(const std::string& dir, const EnvOptions& opts);

    MDB_env* get() const noexcept { return env_.get(); }
    const std::string& dir() const noexcept { return dir_; }

    // Opens a named database (creating it in a write transaction when
    // allowed). Handles stay valid for the life of the Env.
    MDB_dbi open_dbi(const char* name);

private:
    friend class WriteTxn;
    // MDB_WRITEMAP: has the blocks of data.mdb allocated some way beyond the
    // last page in use; 0, or the errno (ENOSPC) when the disk has no room
    // for them. Called at the start of each write transaction, under LMDB's
    // writer lock, which also guards reserved_.
    int reserve_ahead() noexcept;

    struct Close {
        void operator()(MDB_env* e) const noexcept { mdb_env_close(e); }
    };
    std::unique_ptr<MDB_env, Close> env_;
    std::string dir_;
    bool read_only_ = false;
    bool reserve_ = false;       // MDB_WRITEMAP and a file system with fallocate()
    std::size_t page_size_ = 4096;
    std::size_t reserved_ = 0;   // bytes of data.mdb known to have their blocks
};

class Cursor;

// A read-only transaction. get() returns a view into the map that is valid
// only while this transaction lives.
class ReadTxn {
public:
    explicit ReadTxn(Env& env) : ReadTxn(env, MDB_RDONLY) {}
    ReadTxn(ReadTxn&& other) noexcept : txn_(other.txn_), no_room_(other.no_room_) { other.txn_ = nullptr; }
    ReadTxn& operator=(ReadTxn&&) = delete;
    virtual ~ReadTxn() { abort(); }

    std::optional<std::string_view> get(MDB_dbi dbi, std::string_view key) const;
    MDB_txn* get_raw() const noexcept { return txn_; }
    void abort() noexcept {
        if (txn_) mdb_txn_abort(txn_);
        txn_ = nullptr;
    }
    // Gives up ownership (to commit a read transaction by hand).
    MDB_txn* release() noexcept { return std::exchange(txn_, nullptr); }
    // Throws StoreError (ENOSPC) when this transaction may not write: a
    // write transaction of an MDB_WRITEMAP environment whose disk had no
    // room to allocate ahead. Every write checks it first.
    void check_room() const;
    int no_room() const noexcept { return no_room_; }

protected:
    ReadTxn(Env& env, unsigned flags);
    MDB_txn* txn_ = nullptr;
    int no_room_ = 0;  // the errno of the allocation ahead that failed
};

// A write transaction. On a full disk it still begins, reads and commits
// (nothing written: no I/O), so opening an existing environment works; the
// first write throws StoreError naming the directory (check_room()).
class WriteTxn : public ReadTxn {
public:
    explicit WriteTxn(Env& env) : ReadTxn(env, 0) {
        if (env.reserve_) no_room_ = env.reserve_ahead();
    }
    void put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags = 0);
    bool del(MDB_dbi dbi, std::string_view key);
    void drop(MDB_dbi dbi);  // empties the database
    // Commits; the transaction is finished afterwards even when this throws.
    void commit();
};

class Cursor {
public:
    Cursor(const ReadTxn& txn, MDB_dbi dbi);
    ~Cursor() {
        if (cur_) mdb_cursor_close(cur_);
    }
    Cursor(const Cursor&) = delete;
    Cursor& operator=(const Cursor&) = delete;

    // Positioning: each returns false at the end.
    bool first();
    bool next();
    bool last();
    bool seek(std::string_view key);  // first key >= key
    std::string_view key() const { return {static_cast<const char*>(k_.mv_data), k_.mv_size}; }
    std::string_view value() const { return {static_cast<const char*>(v_.mv_data), v_.mv_size}; }
    void del();  // deletes the current record (write transactions only)

private:
    bool step(MDB_cursor_op op);
    MDB_cursor* cur_ = nullptr;
    int no_room_ = 0;  // of its transaction: del() may not write
    MDB_val k_{}, v_{};
};

}  // namespace sw::store::lmdb
