// check_domain and signing_domains; see domain_check.hpp.
#include "core/dnscheck/domain_check.hpp"

#include <algorithm>

#include "core/util/strings.hpp"

namespace sw::dnscheck {

std::vector<Finding> DomainReport::findings() const {
    std::vector<Finding> all = spf.findings;
    all.insert(all.end(), dkim.findings.begin(), dkim.findings.end());
    all.insert(all.end(), dmarc.findings.begin(), dmarc.findings.end());
    return all;
}

Tally DomainReport::tally() const {
    Tally t;
    t.add(findings());
    return t;
}

DomainReport check_domain(std::string_view domain, const DomainCheckOptions& options, dns::Resolver& resolver) {
    DomainReport r;
    r.domain = to_lower(domain);
    if (!r.domain.empty() && r.domain.back() == '.') r.domain.pop_back();
    r.spf = check_spf(r.domain, options.outbound, resolver);
    r.dkim = check_dkim(r.domain, options.dkim, resolver);
    r.dmarc = check_dmarc(r.domain, resolver);
    return r;
}

std::vector<std::string> signing_domains(const dkim::SigningTable& table) {
    std::vector<std::string> out;
    for (const auto& k : table.entries()) {
        std::string d = to_lower(k.signing_domain);
        if (std::find(out.begin(), out.end(), d) == out.end()) out.push_back(std::move(d));
    }
    return out;
}

}  // namespace sw::dnscheck
