// Event: one state change, recorded durably for webhooks, metrics and the
// console to read later (DESIGN "Built to grow"). Limit events are coalesced
// by the bucket store: at most one per bucket per refill period.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "core/util/clock.hpp"
#include "core/util/result.hpp"

namespace sw::events {

struct Event {
    std::string type;    // "limit_approaching", "limit_hit", ...
    Micros time = 0;
    std::string org;     // may be empty
    nlohmann::json body; // small object
};

// Where events go. The LMDB data environment implements it (store/data_db).
class EventSink {
public:
    virtual ~EventSink() = default;
    // Appends all events in one durable transaction; ids are monotonic.
    virtual Result<void> append(const std::vector<Event>& events) = 0;
};

}  // namespace sw::events
