// OrgStateStore; see org_state.hpp.
#include "core/reputation/org_state.hpp"

namespace sw::reputation {
namespace {

constexpr std::uint8_t kVersion = 1;

std::optional<OrgMode> parse_mode(std::string_view s) {
    if (s == "active") return OrgMode::Active;
    if (s == "warned") return OrgMode::Warned;
    if (s == "paused") return OrgMode::Paused;
    return std::nullopt;
}

OrgState decode(std::string_view org, std::string_view v) {
    OrgState s;
    s.org = std::string(org);
    if (v.empty() || static_cast<std::uint8_t>(v[0]) != kVersion) return s;
    auto j = nlohmann::json::parse(v.substr(1), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return s;
    s.mode = parse_mode(j.value("mode", "active")).value_or(OrgMode::Active);
    s.since = j.value("since", std::int64_t{0});
    s.reason = j.value("reason", "");
    s.by = j.value("by", "");
    s.resumed = j.value("resumed", std::int64_t{0});
    return s;
}

std::string encode(const OrgState& s) {
    nlohmann::json j = {{"mode", std::string(to_string(s.mode))},
                        {"since", s.since},
                        {"reason", s.reason},
                        {"by", s.by},
                        {"resumed", s.resumed}};
    std::string v(1, static_cast<char>(kVersion));
    v += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return v;
}

}  // namespace

std::string_view to_string(OrgMode m) {
    switch (m) {
        case OrgMode::Active: return "active";
        case OrgMode::Warned: return "warned";
        case OrgMode::Paused: return "paused";
    }
    return "active";
}

OrgStateStore::OrgStateStore(store::DataDb& db) : db_(db), dbi_(db.env().open_dbi("org_state")) {}

OrgState OrgStateStore::get(const std::string& org) const {
    OrgState none;
    none.org = org;
    if (org.empty()) return none;  // mail of no org is never paused (and LMDB has no empty keys)
    store::lmdb::ReadTxn txn(db_.env());
    auto v = txn.get(dbi_, org);
    return v ? decode(org, *v) : none;
}

bool OrgStateStore::paused(const std::string& org) const {
    if (org.empty()) return false;
    return get(org).mode == OrgMode::Paused;
}

std::vector<OrgState> OrgStateStore::list() const {
    std::vector<OrgState> out;
    store::lmdb::ReadTxn txn(db_.env());
    store::lmdb::Cursor cur(txn, dbi_);
    for (bool more = cur.first(); more; more = cur.next()) out.push_back(decode(cur.key(), cur.value()));
    return out;
}

Result<bool> OrgStateStore::change(const std::string& org, OrgMode to, const std::string& reason,
                                   const std::string& by, std::int64_t now, const nlohmann::json& body,
                                   const char* event_type) {
    if (org.empty()) return fail("no org named");
    try {
        store::lmdb::WriteTxn txn(db_.env());
        OrgState s;
        s.org = org;
        if (auto v = txn.get(dbi_, org)) s = decode(org, *v);
        if (s.mode == to) return false;
        // A warning never lowers a pause; only resume lifts it.
        if (to == OrgMode::Warned && s.mode == OrgMode::Paused) return false;
        OrgMode from = s.mode;
        s.mode = to;
        s.since = now;
        s.reason = reason;
        s.by = by;
        if (to == OrgMode::Active && from == OrgMode::Paused) s.resumed = now;
        txn.put(dbi_, org, encode(s));
        if (event_type) {
            events::Event e;
            e.type = event_type;
            e.time = now * kMicrosPerSecond;
            e.org = org;
            e.body = body.is_object() ? body : nlohmann::json::object();
            e.body["reason"] = reason;
            e.body["by"] = by;
            e.body["from"] = std::string(to_string(from));
            db_.append_in(txn, {e});
        }
        txn.commit();
        return true;
    } catch (const store::lmdb::StoreError& e) {
        if (e.map_full()) return fail("data database is full: raise [store] data_max_size");
        return fail(std::string("data database: ") + e.what());
    }
}

Result<bool> OrgStateStore::warn(const std::string& org, const std::string& reason, const std::string& by,
                                 std::int64_t now, const nlohmann::json& body) {
    return change(org, OrgMode::Warned, reason, by, now, body, "org_warned");
}

Result<bool> OrgStateStore::pause(const std::string& org, const std::string& reason, const std::string& by,
                                  std::int64_t now, const nlohmann::json& body) {
    return change(org, OrgMode::Paused, reason, by, now, body, "org_paused");
}

Result<bool> OrgStateStore::resume(const std::string& org, const std::string& by, std::int64_t now) {
    auto s = get(org);
    if (s.mode != OrgMode::Paused) return false;
    return change(org, OrgMode::Active, "resumed", by, now, nlohmann::json::object(), "org_resumed");
}

Result<bool> OrgStateStore::clear_warning(const std::string& org, std::int64_t now) {
    auto s = get(org);
    if (s.mode != OrgMode::Warned) return false;
    return change(org, OrgMode::Active, "rates below warn", "auto", now, nlohmann::json::object(), nullptr);
}

}  // namespace sw::reputation
