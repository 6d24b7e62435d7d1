// DmarcStore: DMARC aggregate reports in the data environment (synced: a
// report acknowledged to Postfix is on disk). Each report is stored once per
// (reporter, report_id); its records are keyed by the policy domain and the
// report's begin time, so "sources of D since T" is one range scan.
//
// Data databases:
//   "dmarc_reports":    key = domain | NUL | be64(begin) | id8
//                       value = version(1)=1 | JSON metadata (org_name, email,
//                       report_id, begin, end, policy, records, messages,
//                       received, errors)
//   "dmarc_report_ids": key = lower(org_name) | NUL | report_id
//                       value = the "dmarc_reports" key (the dedupe index)
//   "dmarc_records":    key = domain | NUL | be64(begin) | id8 | be32(index)
//                       value = see record_codec.hpp
//   "dmarc_names":      key = 4 or 16 address bytes
//                       value = be64(looked up, Unix s) | name ("" none)
// id8 = the first 8 bytes of SHA-256(lower(org_name) | NUL | report_id).
// `domain` is policy_published/domain, lower-case.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/dmarc/aggregate_report.hpp"
#include "core/dmarc/record_codec.hpp"
#include "core/events/event.hpp"
#include "core/store/lmdb_env.hpp"

namespace sw::dmarc {

struct ReportMeta {
    std::string org_name, email, report_id, domain;
    std::int64_t begin = 0, end = 0, received = 0;
    PolicyPublished policy;
    std::uint64_t records = 0, messages = 0;
    std::vector<std::string> errors;
};

class DmarcStore {
public:
    explicit DmarcStore(store::lmdb::Env& data_env);

    enum class PutResult { stored, duplicate };
    // Stores the report and all its records in the caller's transaction.
    // Throws lmdb::StoreError.
    PutResult put_in(store::lmdb::WriteTxn& txn, const AggregateReport& r, std::int64_t received);

    // Every record of `domain` from reports that began in [since, until),
    // oldest first. `begin` is the report's begin time. Records that do not
    // decode are skipped (counted in the return value).
    std::size_t scan(const store::lmdb::ReadTxn& txn, std::string_view domain, std::int64_t since,
                     std::int64_t until, const std::function<void(std::int64_t begin, const RecordView&)>& f) const;

    // Report metadata of `domain` in [since, until), oldest first.
    std::vector<ReportMeta> reports(const store::lmdb::ReadTxn& txn, std::string_view domain, std::int64_t since,
                                    std::int64_t until) const;

    // Every policy domain with stored reports.
    std::vector<std::string> domains(const store::lmdb::ReadTxn& txn) const;

    // Reverse-DNS name cache.
    std::optional<std::pair<std::int64_t, std::string>> cached_name(const store::lmdb::ReadTxn& txn,
                                                                    const dns::Address& ip) const;
    void put_name_in(store::lmdb::WriteTxn& txn, const dns::Address& ip, std::int64_t when, std::string_view name);

private:
    MDB_dbi reports_ = 0, ids_ = 0, records_ = 0, names_ = 0;
};

// The "dmarc_report_stored" event of a newly stored report; `via` is
// "ingest" or "import".
events::Event stored_event(const AggregateReport& r, std::int64_t now, std::string_view via);

std::string address_text(const dns::Address& a);
std::optional<dns::Address> parse_address(std::string_view text);
nlohmann::json to_json(const PolicyPublished& p);

}  // namespace sw::dmarc
