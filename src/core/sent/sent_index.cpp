// SentIndex; see sent_index.hpp for the layout.
#include "core/sent/sent_index.hpp"

#include <nlohmann/json.hpp>

#include "core/store/record_codec.hpp"
#include "core/util/strings.hpp"

namespace sw::sent {
namespace {

constexpr std::uint8_t kVersion = 1;
using store::lmdb::StoreError;

std::optional<SentMessage> decode(std::string_view queue_id, std::string_view value) {
    if (value.empty() || static_cast<std::uint8_t>(value[0]) != kVersion) return std::nullopt;
    auto j = nlohmann::json::parse(value.substr(1), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    SentMessage m;
    m.queue_id = std::string(queue_id);
    m.time = j.value("time", std::int64_t{0});
    m.user = j.value("user", "");
    m.org = j.value("org", "");
    m.sender = j.value("sender", "");
    m.recipients = j.value("rcpts", std::uint64_t{0});
    m.message_id = j.value("mid", "");
    return m;
}

std::string encode(const SentMessage& m) {
    nlohmann::json j = {{"time", m.time},     {"user", m.user},        {"org", m.org},
                        {"sender", m.sender}, {"rcpts", m.recipients}, {"mid", m.message_id}};
    std::string v(1, static_cast<char>(kVersion));
    v += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return v;
}

std::string time_key(std::int64_t t, const std::string& queue_id) {
    std::string k;
    store::append_be64(k, static_cast<std::uint64_t>(t < 0 ? 0 : t));
    return k + queue_id;
}

std::string store_failure(const StoreError& e) {
    if (e.map_full()) return "counters database is full: raise [store] counters_max_size";
    return std::string("sent index: ") + e.what();
}

}  // namespace

// The result is its own normal form: the milter stores what this returns for
// the header, ingest looks up what it returns for the copy in the bounce. So
// a bare id is refused where its "<id>" would be (a '>' inside, too long).
std::string normalize_message_id(std::string_view v) {
    constexpr std::size_t kMaxInside = 997;  // between '<' and '>'
    auto open = v.find('<');
    if (open == std::string_view::npos) {
        auto t = trim(v);
        if (t.empty() || t.size() > kMaxInside || t.find_first_of(" \t>") != std::string_view::npos) return {};
        return "<" + std::string(t) + ">";
    }
    auto close = v.find('>', open);
    if (close == std::string_view::npos || close == open + 1 || close - open - 1 > kMaxInside) return {};
    return std::string(v.substr(open, close - open + 1));
}

SentIndex::SentIndex(store::lmdb::Env& env)
    : env_(env), sent_(env.open_dbi("sent")), by_mid_(env.open_dbi("sent_mid")), by_time_(env.open_dbi("sent_time")) {}

Result<void> SentIndex::merge(const SentMessage& m, bool with_mid) {
    if (m.queue_id.empty() || m.queue_id.size() > 64) return fail("sent index: bad queue id");
    try {
        store::lmdb::WriteTxn txn(env_);
        SentMessage merged = m;
        if (auto old = txn.get(sent_, m.queue_id); old) {
            if (auto prev = decode(m.queue_id, *old)) {
                merged = *prev;
                if (with_mid) {
                    merged.message_id = m.message_id;
                } else {
                    merged.user = m.user;
                    merged.org = m.org;
                    merged.sender = m.sender;
                    merged.recipients = m.recipients;
                }
            }
        } else {
            txn.put(by_time_, time_key(m.time, m.queue_id), "");
        }
        if (with_mid && !m.message_id.empty()) txn.put(by_mid_, m.message_id, m.queue_id);
        txn.put(sent_, m.queue_id, encode(merged));
        txn.commit();
        return {};
    } catch (const StoreError& e) {
        return fail(store_failure(e));
    }
}

Result<void> SentIndex::record_sent(const SentMessage& m) { return merge(m, false); }

Result<void> SentIndex::record_message_id(const std::string& queue_id, const std::string& message_id,
                                          std::int64_t now) {
    SentMessage m;
    m.queue_id = queue_id;
    m.time = now;
    m.message_id = message_id;
    if (message_id.empty() || message_id.size() > 998) return fail("sent index: bad Message-ID");
    return merge(m, true);
}

std::optional<SentMessage> SentIndex::by_queue_id(const std::string& queue_id) const {
    if (queue_id.empty()) return std::nullopt;
    store::lmdb::ReadTxn txn(env_);
    auto v = txn.get(sent_, queue_id);
    return v ? decode(queue_id, *v) : std::nullopt;
}

std::optional<SentMessage> SentIndex::by_message_id(const std::string& message_id) const {
    if (message_id.empty()) return std::nullopt;
    store::lmdb::ReadTxn txn(env_);
    auto q = txn.get(by_mid_, message_id);
    if (!q) return std::nullopt;
    std::string queue_id(*q);
    auto v = txn.get(sent_, queue_id);
    return v ? decode(queue_id, *v) : std::nullopt;
}

Result<std::size_t> SentIndex::prune(std::int64_t before, std::size_t max) {
    try {
        store::lmdb::WriteTxn txn(env_);
        std::size_t n = 0;
        {
            store::lmdb::Cursor cur(txn, by_time_);
            for (bool more = cur.first(); more && n < max; ++n) {
                auto k = cur.key();
                if (k.size() < 8 || static_cast<std::int64_t>(store::read_be64(k, 0)) >= before) break;
                std::string queue_id(k.substr(8));
                if (auto v = txn.get(sent_, queue_id)) {
                    auto m = decode(queue_id, *v);
                    // A queue id Postfix reused since keeps its newer record.
                    if (m && m->time >= before) {
                        cur.del();
                        more = cur.next();
                        continue;
                    }
                    if (m && !m->message_id.empty()) txn.del(by_mid_, m->message_id);
                    txn.del(sent_, queue_id);
                }
                cur.del();
                more = cur.next();
            }
        }
        txn.commit();
        return n;
    } catch (const StoreError& e) {
        return fail(store_failure(e));
    }
}

}  // namespace sw::sent
