// AggregateReport: one DMARC aggregate report (RFC 7489 appendix C, and the
// DMARCbis "version 2.0" schema where present) as sendwarden keeps it. The
// parser (dmarc/report_xml.hpp) fills it from XML; the store
// (dmarc/dmarc_store.hpp) keeps its metadata and every record; the analysis
// (dmarc/sources.hpp) reads the records back.
//
// Enumerations keep the report's lower-case words ("pass", "none", ...):
// a value the schema does not allow makes the parser reject the report
// (policy_evaluated) or keep the word as written, lower-cased and cut to
// 32 bytes (auth_results, which providers extend).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/dns/resolver.hpp"

namespace sw::dmarc {

struct PolicyPublished {
    std::string domain;      // lower-case; never empty in a parsed report
    std::string adkim;       // "r" or "s"; "" when absent
    std::string aspf;        // "r" or "s"; "" when absent
    std::string p;           // "none", "quarantine", "reject"; never empty
    std::string sp;          // "" when absent
    std::string np;          // DMARCbis; "" when absent
    int pct = -1;            // 0..100; -1 when absent
    std::string fo;          // "" when absent
    std::string testing;     // DMARCbis "y"/"n"; "" when absent
    std::string discovery_method;  // DMARCbis "psl"/"treewalk"; "" when absent
};

struct DkimAuth {
    std::string domain;      // lower-case
    std::string selector;
    std::string result;      // none, pass, fail, policy, neutral, temperror, permerror
};

struct SpfAuth {
    std::string domain;      // lower-case
    std::string scope;       // "mfrom", "helo" or ""
    std::string result;      // none, neutral, pass, fail, softfail, temperror, permerror
};

struct PolicyOverride {
    std::string type;        // forwarded, sampled_out, trusted_forwarder, mailing_list, local_policy, other
    std::string comment;
};

struct Record {
    dns::Address source_ip;  // always valid in a parsed report
    std::uint64_t count = 0;
    std::string disposition; // policy_evaluated: none, quarantine, reject, pass (DMARCbis)
    std::string dkim;        // policy_evaluated (the aligned DKIM result): pass or fail
    std::string spf;         // policy_evaluated (the aligned SPF result): pass or fail
    std::vector<PolicyOverride> reasons;
    std::string header_from;    // lower-case
    std::string envelope_from;  // lower-case; "" when absent
    std::string envelope_to;    // lower-case; "" when absent
    std::vector<DkimAuth> dkim_results;
    std::vector<SpfAuth> spf_results;

    bool dmarc_pass() const noexcept { return dkim == "pass" || spf == "pass"; }
};

struct AggregateReport {
    std::string version;     // <version>, "" when absent
    std::string org_name;    // the reporter, as written (trimmed)
    std::string email;
    std::string report_id;   // trimmed; never empty in a parsed report
    std::int64_t begin = 0;  // date_range, Unix seconds
    std::int64_t end = 0;
    std::vector<std::string> errors;  // report_metadata/error
    PolicyPublished policy;
    std::vector<Record> records;
    // Not from the report: what the parser repaired, dropped or skipped,
    // one line each, for the operator's log.
    std::vector<std::string> notes;
    std::uint64_t skipped_records = 0;  // <record>s without a usable source_ip

    std::uint64_t messages() const noexcept {
        std::uint64_t n = 0;
        for (const auto& r : records) n += r.count;
        return n;
    }
};

}  // namespace sw::dmarc
