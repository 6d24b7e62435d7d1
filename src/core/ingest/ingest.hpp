// Ingestor: what `sendwarden ingest` does with one message (issue "ingest",
// DESIGN "Suppressions, bounces, complaints"): parse it (core/reports),
// attribute it to the org that sent the original, suppress and count, judge
// the org's rates, keep what it cannot use.
//
// Attribution: the original's queue id, then its Message-ID, in the sent
// index; failing both, the org of the original sender (orgs table), which
// suppresses nobody unless [ingest] accept_unmatched = yes: a forged bounce
// must not let a stranger suppress our recipients. Unmatched reports are
// logged and counted.
//
// Per failed recipient of a bounce:
//   delayed (not permanent)        nothing
//   hard (user/host unknown, ...)  suppressed at once (reason hard-bounce)
//   blocked (policy, reputation)   counted, never suppressed
//   other soft (mailbox full, ...) counted in the soft-bounce log; the
//                                  soft_bounce_limit-th within the window
//                                  suppresses for soft_bounce_suppress_for
// A complaint suppresses its recipient for the org (reason complaint); a
// "not-spam" report suppresses nobody. An existing entry that never expires
// is kept (a complaint is not downgraded to a bounce).
//
// Everything a report changes in the data environment (suppressions, the
// soft-bounce log, its events, the dedupe mark) commits in one transaction;
// the counters follow once it is committed (in batch mode, at the batch's
// commit: a killed batch is redone whole, so counting earlier counted it
// twice). The dedupe mark (SHA-256 of the bytes) makes a retry
// by Postfix after a crash a no-op.
//
// Data databases: "soft_bounces": key = org | NUL | address
//                                 value = version(1)=1 | JSON [times...]
//                 "ingested":     key = SHA-256 (32 bytes) value = be64(time)
// DMARC aggregate reports: parsed (core/dmarc) and stored with their
// records by dmarc::DmarcStore, once per reporter and report_id; a message
// none of whose reports can be read is quarantined.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/config/config.hpp"
#include "core/config/policy.hpp"
#include "core/dmarc/dmarc_store.hpp"
#include "core/reports/report.hpp"
#include "core/reputation/org_counters.hpp"
#include "core/reputation/org_state.hpp"
#include "core/sent/sent_index.hpp"
#include "core/store/data_db.hpp"
#include "core/suppress/suppression_store.hpp"

namespace sw::ingest {

struct RecipientOutcome {
    reports::FailedRecipient recipient;
    std::string action;  // "suppressed", "soft-counted", "soft-suppressed", "counted",
                         // "already-suppressed", "not-suppressed-unmatched", "none-delayed", "ignored"
    int soft_count = 0;  // soft bounces in the window, this one included
};

struct DmarcOutcome {
    std::string reporter, report_id, domain;
    std::size_t records = 0;
    std::uint64_t messages = 0;
    bool stored = false;  // false: stored before (same reporter and report_id)
};

struct IngestResult {
    reports::ParsedReport report;
    std::string disposition;  // "applied", "duplicate", "stored" (DMARC), "quarantined"
    std::string org;          // attributed org ("" none)
    std::string matched_by;   // "queue-id", "message-id", "sender" (unmatched), "" (nothing)
    bool matched = false;     // found in the sent index
    std::string queue_id;     // of the original, when matched
    std::vector<RecipientOutcome> outcomes;  // bounce recipients; one for a complaint
    std::string quarantine_path;
    std::vector<std::string> org_changes;    // "org acme paused: bounce rate ..."
    std::vector<DmarcOutcome> dmarc;         // the aggregate reports of a DMARC message
    std::vector<std::string> notes;          // non-fatal problems (a notice not sent, a bad zip member)
};

// Why ingest failed: temporary (store busy or full: Postfix retries, exit 75)
// or not.
struct IngestError {
    std::string what;
    bool temporary = true;
};

class Ingestor {
public:
    struct Parts {
        const config::Config& cfg;
        const config::Policy& policy;
        store::DataDb& data;
        store::lmdb::Env& counters_env;
    };
    explicit Ingestor(Parts parts);

    // One message; `now` in Unix seconds. Logs every decision.
    std::variant<IngestResult, IngestError> ingest(std::string_view raw, std::int64_t now);

    // Batch mode (--maildir, --mbox): the data changes of up to `messages`
    // messages share one synced transaction, and orgs are judged at flush().
    // A crash loses the open batch, which re-running the batch redoes (the
    // files are still there; done messages are skipped as duplicates). The
    // default, 1, commits every message before ingest() returns: a pipe's
    // exit 0 then means it is on disk.
    void set_batch(std::size_t messages);
    // Commits the open batch and judges the orgs whose counts it changed.
    Result<std::vector<std::string>> flush(std::int64_t now);
    // Messages in the open batch, ingested but not committed yet: a failed
    // commit (in ingest() or flush()) drops them, and they are not done.
    std::size_t uncommitted() const noexcept { return batch_count_; }

    // After the org's counts changed: warn or pause it, e-mail its contacts.
    // Returns the changes made ("org acme paused: ...").
    std::vector<std::string> judge_org(const std::string& org, std::int64_t now, std::vector<std::string>& notes);

private:
    struct Attribution;
    Attribution attribute(const reports::ParsedReport& r) const;
    std::string quarantine_dir() const;
    void add_pending_counts(std::vector<std::string>& notes);

    Parts p_;
    sent::SentIndex sent_;
    reputation::OrgCounters counters_;
    suppress::SuppressionStore suppressions_;
    reputation::OrgStateStore org_states_;
    dmarc::DmarcStore dmarc_;
    MDB_dbi soft_ = 0, ingested_ = 0;
    std::size_t batch_size_ = 1, batch_count_ = 0;
    std::optional<store::lmdb::WriteTxn> batch_txn_;
    std::set<std::string> to_judge_;
    struct PendingCounts {
        std::string org;
        std::int64_t now;
        reputation::Counts delta;
    };
    std::vector<PendingCounts> pending_counts_;  // of messages not yet committed
    bool quarantined_unsynced_ = false;  // batch: quarantine files wait for flush()
};

}  // namespace sw::ingest
