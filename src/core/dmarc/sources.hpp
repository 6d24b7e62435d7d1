// "Who sends mail as my domain": the stored report records of one policy
// domain summed per source address, flagged ours / known / unknown, grouped
// by the organisational domain of the source's (forward-confirmed) reverse
// DNS name. Behind `sendwarden dmarc sources`, `readiness` and `report`.
//
// The pass figures are the receivers' own verdicts (policy_evaluated):
// "SPF aligned" means SPF passed for a domain aligned with From:, "DKIM
// aligned" likewise, "DMARC pass" either of the two.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/dmarc/dmarc_store.hpp"
#include "core/util/cidr_list.hpp"

namespace sw::dmarc {

// What makes a source ours: it sends from our addresses ([global]
// outbound_ips), or most of its mail carries a passing DKIM signature of one
// of our signing domains aligned with From:.
struct OurIdentity {
    CidrList ips;
    std::set<std::string> dkim_domains;  // lower-case d= values
};

struct SourceStats {
    dns::Address ip;
    std::string ip_text;
    std::string name;      // reverse-DNS name, forward-confirmed; "" unknown
    std::string org;       // organisational domain of `name`; "" when no name
    std::uint64_t messages = 0;
    std::uint64_t spf_aligned = 0, dkim_aligned = 0, dmarc_pass = 0;
    std::uint64_t quarantined = 0, rejected = 0;  // disposition the receivers applied
    std::uint64_t ours_dkim = 0;  // messages with an aligned passing DKIM signature of ours
    bool ours = false;
    std::string ours_why;  // "outbound_ips", "dkim d=acme.example"
    bool known = false;    // ours, or passing aligned for at least known_source_pass_rate
    std::vector<std::string> header_from;  // the From: domains seen (at most 5)
    std::vector<std::string> dkim_domains; // passing DKIM d= domains seen (at most 5)

    double pass_rate() const { return messages ? double(dmarc_pass) / double(messages) : 0.0; }
};

struct SourceGroup {
    std::string org;  // "" for sources without a name
    std::uint64_t messages = 0, dmarc_pass = 0;
    bool has_unknown = false, all_ours = true;
    std::vector<SourceStats> sources;
};

struct DayVolume {
    std::int64_t day = 0;  // Unix time of 00:00 UTC
    std::uint64_t pass = 0, fail = 0;
};

struct SourcesAnalysis {
    std::string domain;
    std::int64_t since = 0, until = 0;
    std::uint64_t records = 0, messages = 0, dmarc_pass = 0, spf_aligned = 0, dkim_aligned = 0;
    std::uint64_t reports = 0;
    std::set<std::string> reporters;
    std::int64_t first_begin = 0, last_end = 0;  // of the reports seen; 0 when none
    PolicyPublished policy;                      // of the newest report (p empty: none)
    std::vector<SourceStats> sources;            // by volume, largest first
    std::vector<DayVolume> days;                 // oldest first, every day of the reports
    std::size_t undecodable = 0;
};

// Sums the records of `domain` from reports that began in [since, until).
SourcesAnalysis analyse_sources(const DmarcStore& store, const store::lmdb::ReadTxn& txn, const std::string& domain,
                                std::int64_t since, std::int64_t until, const OurIdentity& ours,
                                double known_source_pass_rate);

// Groups by organisational domain of the source names: groups with unknown
// sources first (largest unknown volume first), then the rest by volume;
// within a group, unknown sources first, then by volume.
std::vector<SourceGroup> group_sources(const std::vector<SourceStats>& sources);

}  // namespace sw::dmarc
