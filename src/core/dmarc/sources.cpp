// analyse_sources / group_sources; see sources.hpp.
#include "core/dmarc/sources.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "core/util/org_domain.hpp"

namespace sw::dmarc {
namespace {

constexpr std::int64_t kDay = 86400;

struct AddressHash {
    std::size_t operator()(const dns::Address& a) const noexcept {
        std::size_t h = a.v4 ? 0x9e3779b97f4a7c15ULL : 0;
        for (auto b : a.bytes) h = (h ^ b) * 0x100000001b3ULL;
        return h;
    }
};

void remember(std::vector<std::string>& list, std::string_view v) {
    if (v.empty() || list.size() >= 5) return;
    for (const auto& s : list)
        if (s == v) return;
    list.emplace_back(v);
}

}  // namespace

SourcesAnalysis analyse_sources(const DmarcStore& store, const store::lmdb::ReadTxn& txn, const std::string& domain,
                                std::int64_t since, std::int64_t until, const OurIdentity& ours,
                                double known_source_pass_rate) {
    SourcesAnalysis a;
    a.domain = domain;
    a.since = since;
    a.until = until;

    for (const auto& m : store.reports(txn, domain, since, until)) {
        ++a.reports;
        a.reporters.insert(m.org_name);
        if (!a.first_begin || m.begin < a.first_begin) a.first_begin = m.begin;
        if (m.end > a.last_end) {
            a.last_end = m.end;
            a.policy = m.policy;
        }
    }

    std::unordered_map<dns::Address, SourceStats, AddressHash> by_ip;
    std::map<std::int64_t, DayVolume> days;
    // Alignment of our DKIM domains with From: is relaxed; the organisational
    // domain of each distinct pair is looked up once.
    std::map<std::pair<std::string, std::string>, bool, std::less<>> aligned_cache;
    auto our_aligned = [&](std::string_view d, std::string_view from) {
        if (ours.dkim_domains.empty()) return false;
        auto key = std::make_pair(std::string(d), std::string(from));
        auto it = aligned_cache.find(key);
        if (it != aligned_cache.end()) return it->second;
        bool ok = ours.dkim_domains.count(key.first) && same_org_domain(d, from);
        aligned_cache.emplace(std::move(key), ok);
        return ok;
    };

    a.undecodable = store.scan(txn, domain, since, until, [&](std::int64_t begin, const RecordView& r) {
        ++a.records;
        auto& s = by_ip[r.ip];
        if (s.ip_text.empty()) {
            s.ip = r.ip;
            s.ip_text = address_text(r.ip);
        }
        const std::uint64_t n = r.count;
        s.messages += n;
        if (r.spf_pass) s.spf_aligned += n;
        if (r.dkim_pass) s.dkim_aligned += n;
        bool pass = r.spf_pass || r.dkim_pass;
        if (pass) s.dmarc_pass += n;
        if (r.disposition == Disposition::quarantine) s.quarantined += n;
        if (r.disposition == Disposition::reject) s.rejected += n;
        remember(s.header_from, r.header_from);
        bool ours_sig = false;
        for (const auto& d : r.dkim) {
            if (d.result != "pass") continue;
            remember(s.dkim_domains, d.domain);
            if (!ours_sig && our_aligned(d.domain, r.header_from)) ours_sig = true;
        }
        if (ours_sig) s.ours_dkim += n;
        auto& day = days[begin - begin % kDay];
        (pass ? day.pass : day.fail) += n;
    });

    for (auto& [ip, s] : by_ip) {
        if (!ours.ips.empty() && ours.ips.contains(s.ip_text)) {
            s.ours = true;
            s.ours_why = "outbound_ips";
        } else if (s.messages && s.ours_dkim * 2 >= s.messages) {
            s.ours = true;
            s.ours_why = "dkim d=" + (s.dkim_domains.empty() ? std::string("?") : s.dkim_domains.front());
        }
        s.known = s.ours || (s.messages && s.pass_rate() >= known_source_pass_rate);
        a.messages += s.messages;
        a.dmarc_pass += s.dmarc_pass;
        a.spf_aligned += s.spf_aligned;
        a.dkim_aligned += s.dkim_aligned;
        a.sources.push_back(std::move(s));
    }
    std::sort(a.sources.begin(), a.sources.end(), [](const SourceStats& x, const SourceStats& y) {
        return x.messages != y.messages ? x.messages > y.messages : x.ip_text < y.ip_text;
    });
    for (auto& [day, v] : days) {
        v.day = day;
        a.days.push_back(v);
    }
    return a;
}

std::vector<SourceGroup> group_sources(const std::vector<SourceStats>& sources) {
    std::map<std::string, SourceGroup> groups;
    // Unnamed sources are grouped one per address: an address without a name
    // says nothing about who else it belongs with.
    std::vector<SourceGroup> singles;
    for (const auto& s : sources) {
        SourceGroup* g;
        if (s.org.empty()) {
            g = &singles.emplace_back();
        } else {
            g = &groups[s.org];
            g->org = s.org;
        }
        g->messages += s.messages;
        g->dmarc_pass += s.dmarc_pass;
        g->has_unknown |= !s.known;
        g->all_ours &= s.ours;
        g->sources.push_back(s);
    }
    std::vector<SourceGroup> out = std::move(singles);
    for (auto& [org, g] : groups) out.push_back(std::move(g));
    auto unknown_volume = [](const SourceGroup& g) {
        std::uint64_t n = 0;
        for (const auto& s : g.sources)
            if (!s.known) n += s.messages;
        return n;
    };
    for (auto& g : out)
        std::stable_sort(g.sources.begin(), g.sources.end(), [](const SourceStats& x, const SourceStats& y) {
            if (x.known != y.known) return !x.known;
            return x.messages > y.messages;
        });
    std::stable_sort(out.begin(), out.end(), [&](const SourceGroup& x, const SourceGroup& y) {
        if (x.has_unknown != y.has_unknown) return x.has_unknown;
        if (x.has_unknown) {
            auto ux = unknown_volume(x), uy = unknown_volume(y);
            if (ux != uy) return ux > uy;
        }
        if (x.all_ours != y.all_ours) return !x.all_ours;
        return x.messages > y.messages;
    });
    return out;
}

}  // namespace sw::dmarc
