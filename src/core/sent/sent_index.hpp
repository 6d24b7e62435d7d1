// SentIndex: what was sent, for attributing bounces and complaints to the org
// that sent the original (issue "Sent-message index"). policyd records each
// accepted message at END-OF-MESSAGE (queue id, user, org, sender, recipient
// count); the milter adds the Message-ID of the same queue id. Either may
// come first: each merges into the record. Entries older than [sent]
// retention are pruned in bounded steps.
//
// Lives in the counters environment (no fsync per commit: recording must
// not add a disk flush to every message). A process crash loses nothing; a
// power cut may lose the last seconds, whose bounces then fall back to the
// sender domain and suppress nobody (accept_unmatched = no).
//
// Databases:
//   "sent":      key = queue id
//                value = version(1)=1 | JSON {"time","user","org","sender","rcpts","mid"}
//   "sent_mid":  key = Message-ID (with <>)       value = queue id
//   "sent_time": key = be64(time, s) | queue id   value = empty   (pruning order)
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/store/lmdb_env.hpp"
#include "core/util/result.hpp"

namespace sw::sent {

struct SentMessage {
    std::string queue_id;
    std::int64_t time = 0;   // Unix seconds of the first record
    std::string user;        // SASL user or sender, as policyd saw it
    std::string org;
    std::string sender;      // envelope sender
    std::uint64_t recipients = 0;
    std::string message_id;  // with <>; empty until the milter records it
};

class SentIndex {
public:
    explicit SentIndex(store::lmdb::Env& env);

    // policyd at END-OF-MESSAGE: merges all but message_id.
    Result<void> record_sent(const SentMessage& m);
    // The milter: merges the Message-ID of `queue_id`.
    Result<void> record_message_id(const std::string& queue_id, const std::string& message_id, std::int64_t now);

    std::optional<SentMessage> by_queue_id(const std::string& queue_id) const;
    std::optional<SentMessage> by_message_id(const std::string& message_id) const;

    // Removes up to `max` entries recorded before `before`; returns how many.
    Result<std::size_t> prune(std::int64_t before, std::size_t max);

private:
    Result<void> merge(const SentMessage& m, bool with_mid);

    store::lmdb::Env& env_;
    MDB_dbi sent_ = 0, by_mid_ = 0, by_time_ = 0;
};

// A Message-ID as found in a header ("  <abc@host> (comment)") reduced to
// "<abc@host>"; empty when there is none. Idempotent: a result given back
// returns itself.
std::string normalize_message_id(std::string_view header_value);

}  // namespace sw::sent
