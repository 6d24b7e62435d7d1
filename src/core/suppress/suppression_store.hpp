// SuppressionStore: the suppression list in the durable data environment
// (DataDb, named database "suppressions"; DESIGN "Suppressions, bounces,
// complaints"). One entry per scope (global, or one org) and address or
// "@domain"; a lookup at RCPT asks, in one read transaction, for the
// recipient and its domain in the org's scope and then in the global one.
// Expired entries count as absent (pruning them is housekeeping).
//
// Record: key   = scope key ("g" or "o:" ORG) NUL address-key
//         value = version(1)=1 | JSON {"reason","created","expires","source"}
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/store/data_db.hpp"
#include "core/suppress/address.hpp"
#include "core/util/result.hpp"

namespace sw::suppress {

enum class Reason { HardBounce, SoftBounce, Complaint, Manual, Unsubscribe };
std::string_view to_string(Reason r);
std::optional<Reason> parse_reason(std::string_view text);

struct Suppression {
    std::string org;       // empty: global
    std::string address;   // Address::key(): "local@domain" or "@domain"
    Reason reason = Reason::Manual;
    std::int64_t created = 0;  // Unix seconds
    std::int64_t expires = 0;  // Unix seconds; 0: never
    std::string source;        // e.g. the DSN's Message-ID, or "cli:alice"
};

class SuppressionStore {
public:
    explicit SuppressionStore(store::DataDb& db);

    // Adds or replaces the entry of (org, address).
    Result<void> put(const Suppression& s);
    // Many in one transaction (import): all or none.
    Result<void> put_all(const std::vector<Suppression>& entries);
    // The same inside the caller's write transaction (ingest commits the
    // suppression with its event and bookkeeping). Throws StoreError.
    void put_in(store::lmdb::WriteTxn& txn, const Suppression& s);
    std::optional<Suppression> get_in(const store::lmdb::ReadTxn& txn, const std::string& org,
                                      const std::string& address) const;
    // Removes it; false when there was none.
    Result<bool> remove(const std::string& org, const std::string& address);
    // The entry of exactly (org, address), expired or not.
    std::optional<Suppression> get(const std::string& org, const std::string& address) const;
    // The entry that suppresses `rcpt` for mail of `org` at time `now`, if
    // any: org scope before global, the address before its domain.
    std::optional<Suppression> match(const std::string& org, const Address& rcpt, std::int64_t now) const;
    // Entries of one scope (org empty: global), or of every scope; in key order.
    std::vector<Suppression> list(const std::optional<std::string>& org) const;

private:
    store::DataDb& db_;
    MDB_dbi dbi_ = 0;
};

}  // namespace sw::suppress
