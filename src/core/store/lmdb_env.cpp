// LMDB RAII; see lmdb_env.hpp.
#include "core/store/lmdb_env.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sw::store::lmdb {

void throw_error(const char* op, int rc) {
    throw StoreError(std::string(op) + ": " + mdb_strerror(rc), rc);
}

namespace {

MDB_val val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }

// A full or failing disk, said so that an operator knows where to look.
bool disk_failure(int rc) { return rc == ENOSPC || rc == EDQUOT || rc == EIO; }

// LMDB reports a short write as EIO: a commit whose first pages went into
// blocks the file had and whose next one found the disk full. With (next to)
// nothing left on the file system that is what it was.
bool short_of_space(const std::string& dir) {
    struct statvfs fs{};
    if (statvfs(dir.c_str(), &fs) != 0) return false;
    auto left = static_cast<unsigned long long>(geteuid() == 0 ? fs.f_bfree : fs.f_bavail) * fs.f_frsize;
    return left < 64 * 1024;
}

// The StoreError for `rc` from `op` on the environment in `dir`.
StoreError disk_failure_error(const std::string& dir, const std::string& op, int rc) {
    const std::string where = " in " + dir + " (" + op;
    if (rc == EIO && short_of_space(dir))
        return StoreError("no space left on device" + where + ": short write): free space on its file system", ENOSPC);
    if (rc == ENOSPC) return StoreError("no space left on device" + where + "): free space on its file system", rc);
    if (rc == EDQUOT) return StoreError("disk quota exceeded" + where + "): free space or raise the quota", rc);
    return StoreError("I/O error" + where + "): the disk or its file system failed: see the kernel log", rc);
}

// Throws for a failed call on a transaction or cursor of `env`.
[[noreturn]] void throw_in(MDB_env* env, const char* op, int rc) {
    const char* path = nullptr;
    if (disk_failure(rc) && mdb_env_get_path(env, &path) == 0 && path) throw disk_failure_error(path, op, rc);
    throw_error(op, rc);
}

void make_dir(const std::string& dir) {
    if (mkdir(dir.c_str(), 0750) == 0 || errno == EEXIST) return;
    int err = errno;
    if (disk_failure(err)) throw disk_failure_error(dir, "mkdir", err);
    throw StoreError("mkdir " + dir + ": " + std::strerror(err), err);
}

// A transaction grows data.mdb by a few pages (a policy request) up to a few
// hundred (a prune sweep of 20,000 buckets), and saving a free list takes up
// to 8 bytes per page of the file: 4 MiB, or 1/256 of what is in use, covers
// both. Allocated in steps of twice that, so fallocate() runs once in a while.
std::size_t reserve_headroom(std::size_t used) { return std::max<std::size_t>(4 << 20, used / 256); }

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

// LMDB initialises a new lock.mdb through a shared map of a file it has only
// ftruncate()d: on a full disk that first store into a hole is a SIGBUS. The
// blocks are allocated here first (FALLOC_FL_KEEP_SIZE: LMDB still sizes the
// file), so a full disk is ENOSPC instead. 64 KiB holds the reader table of
// 512 readers (LMDB: 64 bytes a slot, 192 of header) with room to spare. A
// lock file in use is left to LMDB whatever happens here: its first page,
// which LMDB writes at open, is already there.
void reserve_lock_file(const std::string& dir) {
    constexpr off_t kReserve = 64 * 1024;
    const std::string path = dir + "/lock.mdb";
    Fd f{::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640)};
    struct stat st{};
    if (f.fd < 0 || fstat(f.fd, &st) != 0 || st.st_size != 0) return;  // LMDB says what is wrong
    if (fallocate(f.fd, FALLOC_FL_KEEP_SIZE, 0, kReserve) == 0) return;
    int err = errno;
    if (err == ENOSPC || err == EDQUOT) throw disk_failure_error(dir, "allocating lock.mdb", err);
    // EOPNOTSUPP and the like: a file system without fallocate; LMDB as before.
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
    reserve_lock_file(dir);
    if ((rc = mdb_env_open(raw, dir.c_str(), flags, 0640)) != 0) {
        if (disk_failure(rc)) throw disk_failure_error(dir, "mdb_env_open", rc);
        throw StoreError("open " + dir + "/data.mdb: " + mdb_strerror(rc), rc);
    }
    int dead = 0;
    mdb_reader_check(raw, &dead);  // clear slots of readers that died
    MDB_stat st{};
    if (mdb_env_stat(raw, &st) == 0 && st.ms_psize > 0) env.page_size_ = st.ms_psize;
    env.reserve_ = !opts.durable && !opts.read_only;
    return env;
}

int Env::reserve_ahead() noexcept {
    MDB_envinfo info{};
    if (mdb_env_info(env_.get(), &info) != 0) return 0;
    const std::size_t used = (info.me_last_pgno + 1) * page_size_;
    const std::size_t headroom = reserve_headroom(used);
    if (used + headroom <= reserved_) return 0;
    // Within the map size, which is what LMDB sized the file to: the file
    // size stays as it is.
    const std::size_t want = std::min(info.me_mapsize, used + 2 * headroom);
    if (want <= reserved_) return 0;
    int fd = -1;
    if (mdb_env_get_fd(env_.get(), &fd) != 0) return 0;
    if (fallocate(fd, 0, static_cast<off_t>(reserved_), static_cast<off_t>(want - reserved_)) == 0) {
        reserved_ = want;
        return 0;
    }
    int err = errno;
    if (err == EOPNOTSUPP || err == ENOSYS) {
        reserve_ = false;  // no fallocate() here: as LMDB alone
        return 0;
    }
    return err;
}

MDB_dbi Env::open_dbi(const char* name) {
    MDB_dbi dbi = 0;
    if (read_only_) {
        // The handle outlives the transaction only if that commits: an
        // aborted one closes it, and every later mdb_get fails with EINVAL.
        ReadTxn txn(*this);
        int rc = mdb_dbi_open(txn.get_raw(), name, 0, &dbi);
        if (rc != 0) throw_in(get(), "mdb_dbi_open", rc);
        MDB_txn* raw = txn.release();
        if ((rc = mdb_txn_commit(raw)) != 0) throw_in(get(), "mdb_txn_commit", rc);
        return dbi;
    }
    WriteTxn txn(*this);
    int rc = mdb_dbi_open(txn.get_raw(), name, 0, &dbi);
    if (rc == MDB_NOTFOUND) {  // created: a write
        txn.check_room();
        rc = mdb_dbi_open(txn.get_raw(), name, MDB_CREATE, &dbi);
    }
    if (rc != 0) throw_in(get(), "mdb_dbi_open", rc);
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
        throw_in(env.get(), "mdb_txn_begin", rc);
    }
}

void ReadTxn::check_room() const {
    if (no_room_) throw_in(mdb_txn_env(txn_), "allocating data.mdb ahead", no_room_);
}

std::optional<std::string_view> ReadTxn::get(MDB_dbi dbi, std::string_view key) const {
    MDB_val k = val(key), v{};
    int rc = mdb_get(txn_, dbi, &k, &v);
    if (rc == MDB_NOTFOUND) return std::nullopt;
    if (rc != 0) throw_in(mdb_txn_env(txn_), "mdb_get", rc);
    return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}

void WriteTxn::put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags) {
    check_room();
    MDB_val k = val(key), v = val(value);
    int rc = mdb_put(txn_, dbi, &k, &v, flags);
    if (rc != 0) throw_in(mdb_txn_env(txn_), "mdb_put", rc);
}

bool WriteTxn::del(MDB_dbi dbi, std::string_view key) {
    check_room();
    MDB_val k = val(key);
    int rc = mdb_del(txn_, dbi, &k, nullptr);
    if (rc == MDB_NOTFOUND) return false;
    if (rc != 0) throw_in(mdb_txn_env(txn_), "mdb_del", rc);
    return true;
}

void WriteTxn::drop(MDB_dbi dbi) {
    check_room();
    int rc = mdb_drop(txn_, dbi, 0);
    if (rc != 0) throw_in(mdb_txn_env(txn_), "mdb_drop", rc);
}

void WriteTxn::commit() {
    MDB_txn* t = txn_;
    MDB_env* env = mdb_txn_env(t);
    txn_ = nullptr;  // finished either way: mdb_txn_commit frees it
    int rc = mdb_txn_commit(t);
    if (rc != 0) throw_in(env, "mdb_txn_commit", rc);
}

Cursor::Cursor(const ReadTxn& txn, MDB_dbi dbi) : no_room_(txn.no_room()) {
    int rc = mdb_cursor_open(txn.get_raw(), dbi, &cur_);
    if (rc != 0) throw_in(mdb_txn_env(txn.get_raw()), "mdb_cursor_open", rc);
}

bool Cursor::step(MDB_cursor_op op) {
    int rc = mdb_cursor_get(cur_, &k_, &v_, op);
    if (rc == MDB_NOTFOUND) return false;
    if (rc != 0) throw_in(mdb_txn_env(mdb_cursor_txn(cur_)), "mdb_cursor_get", rc);
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
    if (no_room_) throw_in(mdb_txn_env(mdb_cursor_txn(cur_)), "allocating data.mdb ahead", no_room_);
    int rc = mdb_cursor_del(cur_, 0);
    if (rc != 0) throw_in(mdb_txn_env(mdb_cursor_txn(cur_)), "mdb_cursor_del", rc);
}

}  // namespace sw::store::lmdb
