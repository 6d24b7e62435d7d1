// OrgCounters; see org_counters.hpp for the layout.
#include "core/reputation/org_counters.hpp"

#include "core/store/record_codec.hpp"

namespace sw::reputation {
namespace {

constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kFields = 6;
constexpr std::int64_t kHour = 3600;

std::string hour_key(const std::string& org, std::int64_t hour) {
    std::string k = org;
    k.push_back('\0');
    store::append_be64(k, static_cast<std::uint64_t>(hour < 0 ? 0 : hour));
    return k;
}

Counts decode(std::string_view v) {
    Counts c;
    if (v.size() != 1 + kFields * 8 || static_cast<std::uint8_t>(v[0]) != kVersion) return c;
    std::size_t at = 1;
    for (std::uint64_t* f : {&c.sent, &c.rcpts, &c.hard, &c.soft, &c.complaints, &c.unmatched}) {
        *f = store::read_raw<std::uint64_t>(v, at);
        at += 8;
    }
    return c;
}

std::string encode(const Counts& c) {
    std::string v(1, static_cast<char>(kVersion));
    for (std::uint64_t x : {c.sent, c.rcpts, c.hard, c.soft, c.complaints, c.unmatched}) store::append_raw(v, x);
    return v;
}

}  // namespace

Counts& Counts::operator+=(const Counts& o) {
    sent += o.sent;
    rcpts += o.rcpts;
    hard += o.hard;
    soft += o.soft;
    complaints += o.complaints;
    unmatched += o.unmatched;
    return *this;
}

OrgCounters::OrgCounters(store::lmdb::Env& env) : env_(env), hourly_(env.open_dbi("org_hourly")) {}

Result<void> OrgCounters::add(const std::string& org, std::int64_t now, const Counts& delta) {
    try {
        store::lmdb::WriteTxn txn(env_);
        auto key = hour_key(org, now / kHour);
        Counts c;
        if (auto v = txn.get(hourly_, key)) c = decode(*v);
        c += delta;
        txn.put(hourly_, key, encode(c));
        txn.commit();
        return {};
    } catch (const store::lmdb::StoreError& e) {
        if (e.map_full()) return fail("counters database is full: raise [store] counters_max_size");
        return fail(std::string("org counters: ") + e.what());
    }
}

Counts OrgCounters::window(const std::string& org, std::int64_t now, std::int64_t window_secs) const {
    Counts sum;
    store::lmdb::ReadTxn txn(env_);
    store::lmdb::Cursor cur(txn, hourly_);
    auto start = hour_key(org, (now - window_secs) / kHour);
    std::string prefix = org + std::string(1, '\0');
    for (bool more = cur.seek(start); more; more = cur.next()) {
        auto k = cur.key();
        if (k.size() != prefix.size() + 8 || k.substr(0, prefix.size()) != prefix) break;
        sum += decode(cur.value());
    }
    return sum;
}

std::map<std::string, Counts> OrgCounters::window_all(std::int64_t now, std::int64_t window_secs) const {
    std::map<std::string, Counts> out;
    store::lmdb::ReadTxn txn(env_);
    store::lmdb::Cursor cur(txn, hourly_);
    std::uint64_t first_hour = static_cast<std::uint64_t>((now - window_secs) / kHour);
    for (bool more = cur.first(); more; more = cur.next()) {
        auto k = cur.key();
        if (k.size() < 9) continue;
        if (store::read_be64(k, k.size() - 8) < first_hour) continue;
        out[std::string(k.substr(0, k.size() - 9))] += decode(cur.value());
    }
    return out;
}

Result<std::size_t> OrgCounters::prune(std::int64_t before, std::size_t max) {
    try {
        store::lmdb::WriteTxn txn(env_);
        std::size_t n = 0, seen = 0;
        std::uint64_t last_hour = static_cast<std::uint64_t>(before / kHour);
        {
            store::lmdb::Cursor cur(txn, hourly_);
            // Resumes where the last call stopped: bounded steps over all orgs.
            bool more = resume_.empty() ? cur.first() : cur.seek(resume_);
            for (; more && seen < max; more = cur.next(), ++seen) {
                auto k = cur.key();
                if (k.size() < 9 || store::read_be64(k, k.size() - 8) < last_hour) {
                    cur.del();
                    ++n;
                }
            }
            resume_ = more ? std::string(cur.key()) : std::string();
        }
        txn.commit();
        return n;
    } catch (const store::lmdb::StoreError& e) {
        return fail(std::string("org counters: ") + e.what());
    }
}

}  // namespace sw::reputation
