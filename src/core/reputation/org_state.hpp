// OrgStateStore: whether an org may send (issue "Rates and automatic pause").
// An org without a record is active. Each change writes its event
// ("org_warned", "org_paused", "org_resumed") in the same transaction, and
// these are the only functions that change it: the CLI, ingest and later
// the admin API all call them (DESIGN "Operations are core functions").
//
// Database "org_state" (data environment): key = org
//   value = version(1)=1 | JSON {"mode","since","reason","by","resumed"}
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/store/data_db.hpp"
#include "core/util/result.hpp"

namespace sw::reputation {

enum class OrgMode { Active, Warned, Paused };
std::string_view to_string(OrgMode m);  // "active", "warned", "paused"

struct OrgState {
    std::string org;
    OrgMode mode = OrgMode::Active;
    std::int64_t since = 0;    // Unix seconds of the last change
    std::string reason;        // why (the rate, or the operator's text)
    std::string by;            // "auto" or "cli:USER"
    std::int64_t resumed = 0;  // last resume: rates count from here on
};

class OrgStateStore {
public:
    explicit OrgStateStore(store::DataDb& db);

    // The state of `org` (Active with since = 0 when it has no record).
    OrgState get(const std::string& org) const;
    bool paused(const std::string& org) const;
    std::vector<OrgState> list() const;

    // Each returns false when the org was already in that mode (nothing
    // written). `body` adds fields to the event (rates, counts).
    Result<bool> warn(const std::string& org, const std::string& reason, const std::string& by, std::int64_t now,
                      const nlohmann::json& body = nlohmann::json::object());
    Result<bool> pause(const std::string& org, const std::string& reason, const std::string& by, std::int64_t now,
                       const nlohmann::json& body = nlohmann::json::object());
    Result<bool> resume(const std::string& org, const std::string& by, std::int64_t now);
    // Back to active from warned when the rates fell (no event: not an action).
    Result<bool> clear_warning(const std::string& org, std::int64_t now);

private:
    Result<bool> change(const std::string& org, OrgMode to, const std::string& reason, const std::string& by,
                        std::int64_t now, const nlohmann::json& body, const char* event_type);

    store::DataDb& db_;
    MDB_dbi dbi_ = 0;
};

}  // namespace sw::reputation
