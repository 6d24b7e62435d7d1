// SessionCaps; see session_caps.hpp.
#include "core/limits/session_caps.hpp"

namespace sw::limits {

SessionSlot& SessionSlot::operator=(SessionSlot&& o) noexcept {
    if (this != &o) {
        release();
        caps_ = o.caps_;
        kind_ = o.kind_;
        key_ = std::move(o.key_);
        o.caps_ = nullptr;
    }
    return *this;
}

void SessionSlot::release() noexcept {
    if (caps_) caps_->give_back(kind_, key_);
    caps_ = nullptr;
}

void SessionCaps::set_limits(SessionLimits limits) {
    std::lock_guard lock(mu_);
    limits_ = limits;
}

std::optional<SessionSlot> SessionCaps::open_connection(std::string_view client, Refusal& refusal) {
    std::lock_guard lock(mu_);
    if (limits_.global && global_ >= limits_.global) {
        refusal = {"global", "", limits_.global};
        return std::nullopt;
    }
    auto it = clients_.find(client);
    std::uint64_t now = it == clients_.end() ? 0 : it->second;
    if (limits_.per_client && now >= limits_.per_client) {
        refusal = {"client", std::string(client), limits_.per_client};
        return std::nullopt;
    }
    if (it == clients_.end()) it = clients_.emplace(std::string(client), 0).first;
    ++it->second;
    if (++global_ > peak_) peak_ = global_;
    SessionSlot slot;
    slot.caps_ = this;
    slot.kind_ = SessionSlot::Kind::Connection;
    slot.key_ = it->first;
    return slot;
}

std::optional<SessionSlot> SessionCaps::open_user(std::string_view user, Refusal& refusal) {
    std::lock_guard lock(mu_);
    auto it = users_.find(user);
    std::uint64_t now = it == users_.end() ? 0 : it->second;
    if (limits_.per_user && now >= limits_.per_user) {
        refusal = {"user", std::string(user), limits_.per_user};
        return std::nullopt;
    }
    if (it == users_.end()) it = users_.emplace(std::string(user), 0).first;
    ++it->second;
    SessionSlot slot;
    slot.caps_ = this;
    slot.kind_ = SessionSlot::Kind::User;
    slot.key_ = it->first;
    return slot;
}

void SessionCaps::give_back(SessionSlot::Kind kind, const std::string& key) noexcept {
    std::lock_guard lock(mu_);
    Map& map = kind == SessionSlot::Kind::Connection ? clients_ : users_;
    if (auto it = map.find(key); it != map.end() && --it->second == 0) map.erase(it);
    if (kind == SessionSlot::Kind::Connection && global_ > 0) --global_;
}

SessionCounts SessionCaps::counts() const {
    std::lock_guard lock(mu_);
    return {global_, clients_.size(), users_.size(), peak_};
}

std::uint64_t SessionCaps::client_sessions(std::string_view client) const {
    std::lock_guard lock(mu_);
    auto it = clients_.find(client);
    return it == clients_.end() ? 0 : it->second;
}

std::uint64_t SessionCaps::user_sessions(std::string_view user) const {
    std::lock_guard lock(mu_);
    auto it = users_.find(user);
    return it == users_.end() ? 0 : it->second;
}

}  // namespace sw::limits
