// spf_check: the SPF part of `sendwarden dns-check` for one domain (RFC
// 7208): exactly one record that parses; its DNS-querying terms, counted
// through include and redirect targets as check_host() meets them, within
// the 10 of §4.6.4 (loops named); an ending of -all or ~all; and check_host()
// passing every configured outbound address. DNS only through the Resolver;
// nothing is printed here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/dns/resolver.hpp"
#include "core/dnscheck/finding.hpp"
#include "core/util/cidr_list.hpp"

namespace sw::dnscheck {

struct SpfCheck {
    std::string record;            // the domain's SPF record (printable); "" when none is usable
    int lookups = 0;               // DNS-querying terms, those of include/redirect targets counted in
    bool lookups_complete = true;  // false when some target's terms could not be counted
    std::string ending;            // the "all" that applies, through redirect: "-all" "~all" "?all" "+all", "" none
    std::vector<Finding> findings;
};

// `outbound`: [global] outbound_ips; a network is tested at its first
// address. Empty: that part is skipped, with a warning saying how to enable it.
SpfCheck check_spf(std::string_view domain, const CidrList& outbound, dns::Resolver& resolver);

}  // namespace sw::dnscheck
