// domain_check: everything `sendwarden dns-check` checks for one domain —
// SPF, DKIM and DMARC, in that order — and which domains it checks by
// default (the signing domains of the signing table). Pure over the
// Resolver and what the caller loaded; printing is the CLI's.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/dkim/signing_table.hpp"
#include "core/dns/resolver.hpp"
#include "core/dnscheck/dkim_check.hpp"
#include "core/dnscheck/dmarc_check.hpp"
#include "core/dnscheck/finding.hpp"
#include "core/dnscheck/spf_check.hpp"
#include "core/util/cidr_list.hpp"

namespace sw::dnscheck {

struct DomainCheckOptions {
    CidrList outbound;  // [global] outbound_ips
    DkimSources dkim;
};

struct DomainReport {
    std::string domain;
    SpfCheck spf;
    DkimCheck dkim;
    DmarcCheck dmarc;

    // SPF, DKIM then DMARC findings, in order.
    std::vector<Finding> findings() const;
    Tally tally() const;
};

DomainReport check_domain(std::string_view domain, const DomainCheckOptions& options, dns::Resolver& resolver);

// The d= domains of the table, lower-case, each once, in table order.
std::vector<std::string> signing_domains(const dkim::SigningTable& table);

}  // namespace sw::dnscheck
