// SuppressionStore; see suppression_store.hpp for the record layout.
#include "core/suppress/suppression_store.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <utility>

namespace sw::suppress {
namespace {

constexpr std::uint8_t kVersion = 1;
constexpr std::array<std::pair<Reason, std::string_view>, 5> kReasons = {{
    {Reason::HardBounce, "hard-bounce"},
    {Reason::SoftBounce, "soft-bounce"},
    {Reason::Complaint, "complaint"},
    {Reason::Manual, "manual"},
    {Reason::Unsubscribe, "unsubscribe"},
}};

std::string scope_key(const std::string& org) { return org.empty() ? std::string("g") : "o:" + org; }

std::string record_key(const std::string& org, const std::string& address) {
    std::string k = scope_key(org);
    k.push_back('\0');
    k += address;
    return k;
}

std::optional<Suppression> decode(std::string_view key, std::string_view value) {
    if (value.empty() || static_cast<std::uint8_t>(value[0]) != kVersion) return std::nullopt;
    auto nul = key.find('\0');
    if (nul == std::string_view::npos) return std::nullopt;
    auto j = nlohmann::json::parse(value.substr(1), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    Suppression s;
    std::string_view scope = key.substr(0, nul);
    if (scope.substr(0, 2) == "o:") s.org = std::string(scope.substr(2));
    s.address = std::string(key.substr(nul + 1));
    s.reason = parse_reason(j.value("reason", "manual")).value_or(Reason::Manual);
    s.created = j.value("created", std::int64_t{0});
    s.expires = j.value("expires", std::int64_t{0});
    s.source = j.value("source", "");
    return s;
}

}  // namespace

std::string_view to_string(Reason r) {
    for (const auto& [reason, name] : kReasons)
        if (reason == r) return name;
    return "manual";
}

std::optional<Reason> parse_reason(std::string_view text) {
    for (const auto& [reason, name] : kReasons)
        if (name == text) return reason;
    return std::nullopt;
}

SuppressionStore::SuppressionStore(store::DataDb& db) : db_(db), dbi_(db.env().open_dbi("suppressions")) {}

Result<void> SuppressionStore::put(const Suppression& s) { return put_all({s}); }

Result<void> SuppressionStore::put_all(const std::vector<Suppression>& entries) {
    try {
        store::lmdb::WriteTxn txn(db_.env());
        for (const auto& s : entries) put_in(txn, s);
        txn.commit();
        return {};
    } catch (const store::lmdb::StoreError& e) {
        if (e.map_full()) return fail("data database is full: raise [store] data_max_size");
        return fail(std::string("data database: ") + e.what());
    }
}

void SuppressionStore::put_in(store::lmdb::WriteTxn& txn, const Suppression& s) {
    nlohmann::json j = {{"reason", std::string(to_string(s.reason))},
                        {"created", s.created},
                        {"expires", s.expires},
                        {"source", s.source}};
    std::string value(1, static_cast<char>(kVersion));
    value += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    txn.put(dbi_, record_key(s.org, s.address), value);
}

std::optional<Suppression> SuppressionStore::get_in(const store::lmdb::ReadTxn& txn, const std::string& org,
                                                    const std::string& address) const {
    auto k = record_key(org, address);
    auto v = txn.get(dbi_, k);
    return v ? decode(k, *v) : std::nullopt;
}

Result<bool> SuppressionStore::remove(const std::string& org, const std::string& address) {
    try {
        store::lmdb::WriteTxn txn(db_.env());
        bool gone = txn.del(dbi_, record_key(org, address));
        txn.commit();
        return gone;
    } catch (const store::lmdb::StoreError& e) {
        return fail(std::string("data database: ") + e.what());
    }
}

std::optional<Suppression> SuppressionStore::get(const std::string& org, const std::string& address) const {
    store::lmdb::ReadTxn txn(db_.env());
    auto k = record_key(org, address);
    auto v = txn.get(dbi_, k);
    return v ? decode(k, *v) : std::nullopt;
}

std::optional<Suppression> SuppressionStore::match(const std::string& org, const Address& rcpt,
                                                   std::int64_t now) const {
    store::lmdb::ReadTxn txn(db_.env());
    const std::string whole_domain = "@" + rcpt.domain;
    const std::string address = rcpt.key();
    std::vector<std::string> scopes;
    if (!org.empty()) scopes.push_back(org);
    scopes.emplace_back();  // global
    for (const auto& scope : scopes) {
        for (const std::string* a : {&address, &whole_domain}) {
            if (rcpt.whole_domain() && a == &address) continue;
            auto k = record_key(scope, *a);
            auto v = txn.get(dbi_, k);
            if (!v) continue;
            auto s = decode(k, *v);
            if (s && (s->expires == 0 || s->expires > now)) return s;
        }
    }
    return std::nullopt;
}

std::vector<Suppression> SuppressionStore::list(const std::optional<std::string>& org) const {
    std::vector<Suppression> out;
    store::lmdb::ReadTxn txn(db_.env());
    store::lmdb::Cursor cur(txn, dbi_);
    std::string prefix;
    if (org) {
        prefix = scope_key(*org);
        prefix.push_back('\0');
    }
    for (bool more = prefix.empty() ? cur.first() : cur.seek(prefix); more; more = cur.next()) {
        auto k = cur.key();
        if (!prefix.empty() && k.substr(0, prefix.size()) != prefix) break;
        if (auto s = decode(k, cur.value())) out.push_back(std::move(*s));
    }
    return out;
}

}  // namespace sw::suppress
