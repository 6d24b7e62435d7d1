// SessionCaps: exact counts of concurrent SMTP sessions, in memory, for the
// milter (it sees every connect and every close). A session takes a Slot at
// connect (global + its client address, all-or-none) and one more once its
// SASL user is known; a Slot gives its count back when destroyed, so
// aborted and timed-out sessions release too. In memory on purpose: when
// the milter restarts, the sessions it counted are gone with it.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/util/strings.hpp"

namespace sw::limits {

struct SessionLimits {
    std::uint64_t global = 0;      // 0: no cap
    std::uint64_t per_client = 0;
    std::uint64_t per_user = 0;
};

struct SessionCounts {
    std::uint64_t global = 0;
    std::uint64_t clients = 0;  // distinct clients with a session
    std::uint64_t users = 0;
    std::uint64_t peak_global = 0;
};

class SessionCaps;

// Move-only; destroying it releases what it holds.
class SessionSlot {
public:
    SessionSlot() = default;
    SessionSlot(SessionSlot&& o) noexcept { *this = std::move(o); }
    SessionSlot& operator=(SessionSlot&& o) noexcept;
    SessionSlot(const SessionSlot&) = delete;
    SessionSlot& operator=(const SessionSlot&) = delete;
    ~SessionSlot() { release(); }
    void release() noexcept;
    bool held() const noexcept { return caps_ != nullptr; }

private:
    friend class SessionCaps;
    enum class Kind { Connection, User };
    SessionCaps* caps_ = nullptr;
    Kind kind_ = Kind::Connection;
    std::string key_;
};

struct Refusal {
    std::string scope;  // "global", "client", "user"
    std::string who;    // the client address or user ("" for global)
    std::uint64_t limit = 0;
};

class SessionCaps {
public:
    explicit SessionCaps(SessionLimits limits = {}) : limits_(limits) {}
    SessionCaps(const SessionCaps&) = delete;
    SessionCaps& operator=(const SessionCaps&) = delete;

    // New caps apply to sessions that start from now on (reload).
    void set_limits(SessionLimits limits);

    // At connect: counts the session globally and for `client`. On refusal
    // nothing is counted and `refusal` says which cap.
    std::optional<SessionSlot> open_connection(std::string_view client, Refusal& refusal);
    // Once the session's SASL user is known.
    std::optional<SessionSlot> open_user(std::string_view user, Refusal& refusal);

    SessionCounts counts() const;
    std::uint64_t client_sessions(std::string_view client) const;
    std::uint64_t user_sessions(std::string_view user) const;

private:
    friend class SessionSlot;
    void give_back(SessionSlot::Kind kind, const std::string& key) noexcept;

    using Map = std::unordered_map<std::string, std::uint64_t, StringHash, StringEq>;
    mutable std::mutex mu_;
    SessionLimits limits_;
    std::uint64_t global_ = 0;
    std::uint64_t peak_ = 0;
    Map clients_;
    Map users_;
};

}  // namespace sw::limits
