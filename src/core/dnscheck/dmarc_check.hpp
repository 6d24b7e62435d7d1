// dmarc_check: the DMARC part of `sendwarden dns-check` for one domain (RFC
// 7489): the policy record at _dmarc.DOMAIN, else the organisational
// domain's (§6.6.3, Public Suffix List); exactly one, valid; its policy,
// pct, report addresses (external ones authorised, §7.1) and alignment; and
// the next step towards p=reject. DNS only through the Resolver.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dns/resolver.hpp"
#include "core/dnscheck/dmarc_record.hpp"
#include "core/dnscheck/finding.hpp"

namespace sw::dnscheck {

struct DmarcCheck {
    std::string found_at;                // "_dmarc.acme.example"; "" when no record was found
    bool from_org_domain = false;        // found at the organisational domain, not the domain's own
    std::string record;                  // the record text (printable)
    std::optional<DmarcRecord> parsed;
    std::optional<DmarcPolicy> policy;   // what applies to the domain (sp= when inherited and given)
    std::string next_step;               // the recommended next change; "" when none is known
    std::vector<Finding> findings;
};

DmarcCheck check_dmarc(std::string_view domain, dns::Resolver& resolver);

}  // namespace sw::dnscheck
