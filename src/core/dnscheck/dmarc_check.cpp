// The DMARC check of dns-check; see dmarc_check.hpp. Section numbers are
// RFC 7489's.
#include "core/dnscheck/dmarc_check.hpp"

#include <set>

#include "core/util/org_domain.hpp"
#include "core/util/strings.hpp"

namespace sw::dnscheck {
namespace {

std::string shown(std::string_view s) { return printable(s, 500); }

struct Lookup {
    bool temporary = false;
    std::string error;
    std::vector<std::string> records;     // TXT values that are DMARC records
    std::vector<std::string> misplaced;   // TXT values naming DMARC1 without starting with v=DMARC1
};

Lookup lookup(dns::Resolver& resolver, const std::string& name) {
    Lookup l;
    dns::Answer ans = resolver.query(name, dns::Type::TXT);
    if (ans.status == dns::Status::temporary) {
        l.temporary = true;
        l.error = ans.error;
        return l;
    }
    for (auto& t : ans.texts) {
        if (is_dmarc_record(t)) l.records.push_back(std::move(t));
        else if (to_lower(t).find("dmarc1") != std::string::npos) l.misplaced.push_back(std::move(t));
    }
    return l;
}

int strictness(DmarcPolicy p) noexcept { return static_cast<int>(p); }

std::string readiness(const std::string& domain) { return "`sendwarden dmarc readiness --domain " + domain + "`"; }

// The step after `policy` at `pct` towards reject at pct=100 (the order
// of readiness.hpp: none, quarantine, quarantine at 100, reject).
std::string next_step(DmarcPolicy policy, const char* tag, int pct, bool has_rua, const std::string& policy_domain) {
    const std::string t = tag;
    switch (policy) {
        case DmarcPolicy::none:
            return std::string(has_rua ? "" : "add rua= to get reports, then ") + "collect reports and run " +
                   readiness(policy_domain) + ", then " + t + "=quarantine";
        case DmarcPolicy::quarantine:
            if (pct < 100)
                return "raise pct (now " + std::to_string(pct) + ") step by step to 100 while " +
                       readiness(policy_domain) + " stays ready";
            return t + "=reject when " + readiness(policy_domain) + " says ready";
        case DmarcPolicy::reject:
            if (pct < 100)
                return "raise pct (now " + std::to_string(pct) + ") to 100: failing mail beyond it is only quarantined";
            return "none: " + t + "=reject at pct=100 is the strictest policy";
    }
    return {};
}

std::string uri_list(const std::vector<std::string>& uris) {
    std::string s;
    for (const auto& u : uris) s += (s.empty() ? "" : ",") + u;
    return s;
}

// §7.1: a report address outside the policy domain's organisational domain
// receives reports only if its domain publishes
// POLICY._report._dmarc.DEST with v=DMARC1.
void check_destinations(const std::string& policy_domain, const DmarcRecord& rec, dns::Resolver& resolver,
                        DmarcCheck& out) {
    std::set<std::string> done;
    const std::string ours = org_domain(policy_domain);
    for (const auto* list : {&rec.rua, &rec.ruf}) {
        for (const auto& uri : *list) {
            std::string addr = mailto_address(uri);
            auto at = addr.find('@');
            if (at == std::string::npos) continue;
            std::string dest = addr.substr(at + 1);
            if (org_domain(dest) == ours || !done.insert(dest).second) continue;
            const std::string name = policy_domain + "._report._dmarc." + dest;
            Lookup l = lookup(resolver, name);
            if (l.temporary)
                out.findings.push_back({Level::error, "dmarc",
                                        "DNS lookup of " + shown(name) + " failed (" + shown(l.error) + "); try again",
                                        true});
            else if (l.records.empty())
                out.findings.push_back({Level::warning, "dmarc",
                                        "reports to " + shown(dest) + " are not sent: it does not publish " +
                                            shown(name) + " (RFC 7489 §7.1); ask its operator to, or report to " +
                                            ours});
            else
                out.findings.push_back(
                    {Level::ok, "dmarc", shown(dest) + " accepts reports for " + policy_domain + " (" + shown(name) + ")"});
        }
    }
}

void judge(const std::string& domain, const std::string& policy_domain, dns::Resolver& resolver, DmarcCheck& out) {
    const DmarcRecord& rec = *out.parsed;
    auto add = [&](Level level, std::string message) { out.findings.push_back({level, "dmarc", std::move(message)}); };
    for (std::size_t i = 0; i < rec.errors.size(); ++i)
        add(Level::error, (i == 0 ? "\"" + out.record + "\": " : std::string()) + rec.errors[i]);
    if (rec.errors.empty()) add(Level::ok, out.record);
    for (const auto& w : rec.warnings) add(Level::warning, w);

    // §6.6.3: an inherited record applies sp= to the subdomain when given.
    const bool by_sp = out.from_org_domain && rec.sp;
    const char* tag = by_sp ? "sp" : "p";
    out.policy = by_sp ? rec.sp : rec.p;
    if (out.policy) {
        std::string line = std::string("policy ") + std::string(to_string(*out.policy)) + " at pct=" +
                           std::to_string(rec.pct);
        if (out.from_org_domain) line += " (" + std::string(tag) + "= of " + policy_domain + ")";
        line += ", alignment adkim=" + std::string(1, rec.adkim) + " aspf=" + std::string(1, rec.aspf);
        line += rec.rua.empty() ? ", no aggregate reports" : ", aggregate reports to " + uri_list(rec.rua);
        if (!rec.ruf.empty()) line += ", failure reports to " + uri_list(rec.ruf);
        add(Level::ok, line);
        out.next_step = next_step(*out.policy, tag, rec.pct, !rec.rua.empty(), policy_domain);
    } else {
        // §6.6.3: with a usable rua= receivers act as if p=none.
        out.next_step = std::string("correct ") + tag + "= (none, quarantine or reject)" +
                        (rec.rua.empty() ? "; until then receivers ignore the record"
                                         : "; until then receivers treat the record as p=none");
    }
    if (rec.p && rec.sp && strictness(*rec.sp) < strictness(*rec.p))
        add(Level::warning, "sp=" + std::string(to_string(*rec.sp)) + " is weaker than p=" +
                                std::string(to_string(*rec.p)) + ": subdomains of " + policy_domain +
                                " are less protected than the domain itself");
    if (rec.rua.empty())
        add(Level::warning, "no rua=: you get no aggregate reports, so you cannot see who sends as " + domain +
                                "; add rua=mailto:dmarc-reports@" + org_domain(policy_domain));
    check_destinations(policy_domain, rec, resolver, out);
}

}  // namespace

DmarcCheck check_dmarc(std::string_view domain_in, dns::Resolver& resolver) {
    DmarcCheck out;
    std::string domain = to_lower(domain_in);
    if (!domain.empty() && domain.back() == '.') domain.pop_back();
    const std::string org = org_domain(domain);
    auto add = [&](Level level, std::string message, bool temporary = false) {
        out.findings.push_back({level, "dmarc", std::move(message), temporary});
    };

    std::string policy_domain = domain;
    Lookup l = lookup(resolver, "_dmarc." + domain);
    for (const auto& m : l.misplaced)
        add(Level::error, "TXT at _dmarc." + domain + " \"" + shown(m) +
                              "\" does not begin with v=DMARC1, so receivers ignore it: put v=DMARC1 first");
    if (!l.temporary && l.records.empty() && org != domain) {
        Lookup o = lookup(resolver, "_dmarc." + org);
        if (o.temporary || !o.records.empty()) {
            l = std::move(o);
            policy_domain = org;
            out.from_org_domain = true;
        }
    }
    const std::string name = "_dmarc." + policy_domain;
    if (l.temporary) {
        add(Level::error, "DNS lookup of " + shown(name) + " failed (" + shown(l.error) + "); try again", true);
        return out;
    }
    if (l.records.empty()) {
        add(Level::error, "no DMARC record at _dmarc." + domain +
                              (org != domain ? " nor at _dmarc." + org : std::string()) +
                              ": publish one, e.g. _dmarc." + domain + " TXT \"v=DMARC1; p=none; rua=mailto:dmarc-reports@" +
                              org + "\"");
        out.next_step = "publish a DMARC record with p=none and rua=, then collect reports";
        return out;
    }
    if (l.records.size() > 1) {
        add(Level::error, std::to_string(l.records.size()) + " DMARC records at " + name +
                              ": receivers ignore them all (RFC 7489 §6.6.3); keep one");
        out.next_step = "remove all DMARC records at " + name + " but one";
        return out;
    }
    out.found_at = name;
    out.record = shown(l.records.front());
    out.parsed = parse_dmarc_record(l.records.front());
    if (out.from_org_domain)
        add(Level::ok, "no record at _dmarc." + domain + "; the record of the organisational domain " + org +
                           " applies (RFC 7489 §6.6.3)");
    judge(domain, policy_domain, resolver, out);
    return out;
}

}  // namespace sw::dnscheck
