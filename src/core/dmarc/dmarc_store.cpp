// DmarcStore; see dmarc_store.hpp.
#include "core/dmarc/dmarc_store.hpp"

#include <arpa/inet.h>
#include <openssl/evp.h>

#include "core/store/record_codec.hpp"
#include "core/util/strings.hpp"

namespace sw::dmarc {
namespace {

constexpr char kMetaVersion = 1;

std::string domain_prefix(std::string_view domain) {
    std::string k = to_lower(domain);
    k.push_back('\0');
    return k;
}

// The first 8 bytes of SHA-256: distinguishes reports that share a domain
// and begin time, stable across versions (unlike std::hash).
std::string id8(std::string_view id_key) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(id_key.data(), id_key.size(), md, &len, EVP_sha256(), nullptr);
    return std::string(reinterpret_cast<const char*>(md), 8);
}

std::string address_key(const dns::Address& a) {
    return std::string(reinterpret_cast<const char*>(a.bytes.data()), a.v4 ? 4 : 16);
}

ReportMeta meta_from_json(const nlohmann::json& j) {
    ReportMeta m;
    m.org_name = j.value("org_name", "");
    m.email = j.value("email", "");
    m.report_id = j.value("report_id", "");
    m.domain = j.value("domain", "");
    m.begin = j.value("begin", std::int64_t{0});
    m.end = j.value("end", std::int64_t{0});
    m.received = j.value("received", std::int64_t{0});
    m.records = j.value("records", std::uint64_t{0});
    m.messages = j.value("messages", std::uint64_t{0});
    if (j.contains("errors") && j["errors"].is_array())
        for (const auto& e : j["errors"])
            if (e.is_string()) m.errors.push_back(e.get<std::string>());
    if (auto it = j.find("policy"); it != j.end() && it->is_object()) {
        const auto& p = *it;
        m.policy.domain = p.value("domain", "");
        m.policy.adkim = p.value("adkim", "");
        m.policy.aspf = p.value("aspf", "");
        m.policy.p = p.value("p", "");
        m.policy.sp = p.value("sp", "");
        m.policy.np = p.value("np", "");
        m.policy.pct = p.value("pct", -1);
        m.policy.fo = p.value("fo", "");
        m.policy.testing = p.value("testing", "");
    }
    return m;
}

}  // namespace

std::string address_text(const dns::Address& a) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (!inet_ntop(a.v4 ? AF_INET : AF_INET6, a.bytes.data(), buf, sizeof buf)) return "?";
    return buf;
}

std::optional<dns::Address> parse_address(std::string_view text) {
    std::string s(trim(text));
    dns::Address a;
    if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) return a;
    a.v4 = false;
    if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
        // An IPv4-mapped address is the IPv4 source it stands for.
        static constexpr std::uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (std::equal(mapped, mapped + 12, a.bytes.begin())) {
            dns::Address v4;
            std::copy(a.bytes.begin() + 12, a.bytes.end(), v4.bytes.begin());
            return v4;
        }
        return a;
    }
    return std::nullopt;
}

events::Event stored_event(const AggregateReport& r, std::int64_t now, std::string_view via) {
    events::Event e;
    e.type = "dmarc_report_stored";
    e.time = now * kMicrosPerSecond;
    e.body = {{"reporter", r.org_name}, {"report_id", r.report_id}, {"domain", r.policy.domain},
              {"records", r.records.size()}, {"messages", r.messages()}, {"begin", r.begin},
              {"end", r.end}, {"via", std::string(via)}};
    return e;
}

nlohmann::json to_json(const PolicyPublished& p) {
    nlohmann::json j = {{"domain", p.domain}, {"p", p.p}};
    if (!p.sp.empty()) j["sp"] = p.sp;
    if (!p.np.empty()) j["np"] = p.np;
    if (!p.adkim.empty()) j["adkim"] = p.adkim;
    if (!p.aspf.empty()) j["aspf"] = p.aspf;
    if (p.pct >= 0) j["pct"] = p.pct;
    if (!p.fo.empty()) j["fo"] = p.fo;
    if (!p.testing.empty()) j["testing"] = p.testing;
    return j;
}

DmarcStore::DmarcStore(store::lmdb::Env& env)
    : reports_(env.open_dbi("dmarc_reports")),
      ids_(env.open_dbi("dmarc_report_ids")),
      records_(env.open_dbi("dmarc_records")),
      names_(env.open_dbi("dmarc_names")) {}

DmarcStore::PutResult DmarcStore::put_in(store::lmdb::WriteTxn& txn, const AggregateReport& r,
                                         std::int64_t received) {
    std::string id_key = to_lower(trim(r.org_name));
    id_key.push_back('\0');
    id_key += r.report_id;
    if (id_key.size() > 500) id_key.resize(500);  // LMDB's key limit is 511 bytes
    if (txn.get(ids_, id_key)) return PutResult::duplicate;

    std::string domain = to_lower(r.policy.domain);
    if (domain.size() > 253) domain.resize(253);
    std::string key = domain_prefix(domain);
    store::append_be64(key, static_cast<std::uint64_t>(r.begin));
    key += id8(id_key);

    nlohmann::json meta = {{"org_name", r.org_name},   {"email", r.email},
                           {"report_id", r.report_id}, {"domain", domain},
                           {"begin", r.begin},         {"end", r.end},
                           {"received", received},     {"policy", to_json(r.policy)},
                           {"records", r.records.size()}, {"messages", r.messages()}};
    if (!r.version.empty()) meta["version"] = r.version;
    if (!r.errors.empty()) meta["errors"] = r.errors;
    std::string value(1, kMetaVersion);
    value += meta.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    txn.put(reports_, key, value);
    txn.put(ids_, id_key, key);

    std::string rkey = key;
    for (std::uint32_t i = 0; i < r.records.size(); ++i) {
        rkey.resize(key.size());
        rkey.push_back(static_cast<char>(i >> 24));
        rkey.push_back(static_cast<char>(i >> 16));
        rkey.push_back(static_cast<char>(i >> 8));
        rkey.push_back(static_cast<char>(i));
        txn.put(records_, rkey, encode_record(r.records[i]));
    }
    return PutResult::stored;
}

std::size_t DmarcStore::scan(const store::lmdb::ReadTxn& txn, std::string_view domain, std::int64_t since,
                             std::int64_t until,
                             const std::function<void(std::int64_t, const RecordView&)>& f) const {
    const std::string prefix = domain_prefix(domain);
    std::string from = prefix;
    store::append_be64(from, static_cast<std::uint64_t>(std::max<std::int64_t>(since, 0)));
    std::size_t bad = 0;
    RecordView view;
    store::lmdb::Cursor c(txn, records_);
    for (bool ok = c.seek(from); ok; ok = c.next()) {
        auto k = c.key();
        if (k.size() < prefix.size() + 20 || k.compare(0, prefix.size(), prefix) != 0) break;
        auto begin = static_cast<std::int64_t>(store::read_be64(k, prefix.size()));
        if (begin >= until) break;
        if (!decode_record(c.value(), view)) {
            ++bad;
            continue;
        }
        f(begin, view);
    }
    return bad;
}

std::vector<ReportMeta> DmarcStore::reports(const store::lmdb::ReadTxn& txn, std::string_view domain,
                                            std::int64_t since, std::int64_t until) const {
    const std::string prefix = domain_prefix(domain);
    std::string from = prefix;
    store::append_be64(from, static_cast<std::uint64_t>(std::max<std::int64_t>(since, 0)));
    std::vector<ReportMeta> out;
    store::lmdb::Cursor c(txn, reports_);
    for (bool ok = c.seek(from); ok; ok = c.next()) {
        auto k = c.key();
        if (k.size() < prefix.size() + 16 || k.compare(0, prefix.size(), prefix) != 0) break;
        if (static_cast<std::int64_t>(store::read_be64(k, prefix.size())) >= until) break;
        auto v = c.value();
        if (v.empty() || v[0] != kMetaVersion) continue;
        auto j = nlohmann::json::parse(v.substr(1), nullptr, false);
        if (j.is_discarded() || !j.is_object()) continue;
        out.push_back(meta_from_json(j));
    }
    return out;
}

std::vector<std::string> DmarcStore::domains(const store::lmdb::ReadTxn& txn) const {
    std::vector<std::string> out;
    store::lmdb::Cursor c(txn, reports_);
    for (bool ok = c.first(); ok;) {
        auto k = c.key();
        auto nul = k.find('\0');
        if (nul == std::string_view::npos) {
            ok = c.next();
            continue;
        }
        out.emplace_back(k.substr(0, nul));
        // Jump past every key of this domain: domain | 0x01 sorts after them.
        std::string next(k.substr(0, nul));
        next.push_back('\x01');
        ok = c.seek(next);
    }
    return out;
}

std::optional<std::pair<std::int64_t, std::string>> DmarcStore::cached_name(const store::lmdb::ReadTxn& txn,
                                                                            const dns::Address& ip) const {
    auto v = txn.get(names_, address_key(ip));
    if (!v || v->size() < 8) return std::nullopt;
    return std::make_pair(static_cast<std::int64_t>(store::read_be64(*v, 0)), std::string(v->substr(8)));
}

void DmarcStore::put_name_in(store::lmdb::WriteTxn& txn, const dns::Address& ip, std::int64_t when,
                             std::string_view name) {
    std::string v;
    store::append_be64(v, static_cast<std::uint64_t>(when));
    v += name.substr(0, 255);
    txn.put(names_, address_key(ip), v);
}

}  // namespace sw::dmarc
