// The SPF check of dns-check; see spf_check.hpp. Section numbers are RFC
// 7208's.
#include "core/dnscheck/spf_check.hpp"

#include <algorithm>
#include <optional>

#include "core/spf/builtin_engine.hpp"
#include "core/spf/spf_record.hpp"
#include "core/util/strings.hpp"

namespace sw::dnscheck {
namespace {

constexpr int kMaxLookups = 10;  // §4.6.4
// Records read for one domain: bounds the DNS work a wide include tree can
// cost us; a tree this big is far over the limit anyway.
constexpr int kMaxRecords = 50;

std::string name_of(std::string_view domain) {
    std::string n = to_lower(domain);
    if (!n.empty() && n.back() == '.') n.pop_back();
    return n;
}

std::string shown(std::string_view dns_text) { return printable(dns_text, 500); }

enum class Fetch { found, none, nxdomain, several, temporary };

struct Fetched {
    Fetch status = Fetch::none;
    std::string text;   // found: the record
    std::string error;  // temporary: the resolver's reason
    std::size_t count = 0;
};

// §4.4, §4.5: the TXT records of `name` that are SPF records.
Fetched fetch_spf(dns::Resolver& resolver, std::string_view name) {
    Fetched f;
    dns::Answer ans = resolver.query(name, dns::Type::TXT);
    if (ans.status == dns::Status::temporary) {
        f.status = Fetch::temporary;
        f.error = ans.error;
        return f;
    }
    if (ans.status == dns::Status::nxdomain) {
        f.status = Fetch::nxdomain;
        return f;
    }
    for (auto& t : ans.texts) {
        if (!spf::is_spf_record(t)) continue;
        if (++f.count == 1) f.text = std::move(t);
    }
    f.status = f.count == 0 ? Fetch::none : f.count == 1 ? Fetch::found : Fetch::several;
    return f;
}

std::string ending_of(spf::Qualifier q) { return std::string(1, static_cast<char>(q)) + "all"; }

// Walks a record and the records it includes or redirects to, counting the
// terms that cost a DNS query (§4.6.4: include a mx ptr exists redirect)
// as an evaluation that matches nothing would, i.e. up to the first "all",
// with redirect= only when there is no "all" (§6.1).
class TermWalk {
public:
    TermWalk(dns::Resolver& resolver, SpfCheck& out) : resolver_(resolver), out_(out) {}

    // The qualifier of the "all" that ends the record of `domain`, through
    // redirect=; nullopt when there is none. `rec` views the caller's text.
    std::optional<spf::Qualifier> walk(const std::string& domain, const spf::Record& rec) {
        path_.push_back(domain);
        std::optional<spf::Qualifier> all;
        for (const auto& m : rec.mechanisms) {
            if (m.kind == spf::MechanismKind::all) {
                all = m.qualifier;
                break;
            }
            if (m.kind == spf::MechanismKind::ip4 || m.kind == spf::MechanismKind::ip6) continue;
            ++out_.lookups;
            if (m.kind == spf::MechanismKind::include) follow("include:", m.domain_spec);
        }
        if (!all && rec.redirect) {
            ++out_.lookups;
            all = follow("redirect=", *rec.redirect);
        }
        path_.pop_back();
        return all;
    }

private:
    void report(Level level, std::string message, bool temporary = false) {
        out_.findings.push_back({level, "spf", std::move(message), temporary});
    }

    // "include:x.example" or, below the top record, "include:x.example (in
    // the record of y.example)".
    std::string term(std::string_view how, std::string_view target) const {
        std::string t = std::string(how) + shown(target);
        if (path_.size() > 1) t += " (in the record of " + shown(path_.back()) + ")";
        return t;
    }

    std::optional<spf::Qualifier> follow(std::string_view how, std::string_view spec) {
        if (spec.find('%') != std::string_view::npos) {
            out_.lookups_complete = false;
            report(Level::warning, term(how, spec) + " uses macros: the lookups behind it cannot be counted here");
            return std::nullopt;
        }
        const std::string target = name_of(spec);
        if (auto it = std::find(path_.begin(), path_.end(), target); it != path_.end()) {
            std::string chain;
            for (; it != path_.end(); ++it) chain += shown(*it) + " -> ";
            report(Level::error, term(how, spec) + " loops: " + chain + shown(target) +
                                     "; receivers return permerror (too many lookups): remove the term that points back");
            return std::nullopt;
        }
        if (++records_ > kMaxRecords) {
            out_.lookups_complete = false;
            if (records_ == kMaxRecords + 1)
                report(Level::warning, "stopped counting after " + std::to_string(kMaxRecords) + " included records");
            return std::nullopt;
        }
        Fetched f = fetch_spf(resolver_, target);
        if (f.status != Fetch::found) out_.lookups_complete = false;
        switch (f.status) {
            case Fetch::temporary:
                report(Level::error, term(how, spec) + ": DNS lookup failed (" + shown(f.error) + "); try again", true);
                return std::nullopt;
            case Fetch::nxdomain:
            case Fetch::none:
                report(Level::error, term(how, spec) + ": " +
                                         (f.status == Fetch::nxdomain ? "no such domain" : "no SPF record there") +
                                         "; receivers return permerror: fix or remove the term");
                return std::nullopt;
            case Fetch::several:
                report(Level::error, term(how, spec) + ": " + std::to_string(f.count) +
                                         " SPF records there; receivers return permerror");
                return std::nullopt;
            case Fetch::found:
                break;
        }
        auto rec = spf::parse_record(f.text);
        if (!rec) {
            out_.lookups_complete = false;
            report(Level::error, term(how, spec) + ": " + shown(rec.error()) + "; receivers return permerror");
            return std::nullopt;
        }
        return walk(target, *rec);
    }

    dns::Resolver& resolver_;
    SpfCheck& out_;
    std::vector<std::string> path_;  // the records being walked, top first
    int records_ = 0;
};

std::string suggested_record(const CidrList& outbound) {
    std::string r = "v=spf1";
    for (const auto& net : outbound.networks()) r += (net.is_v4() ? " ip4:" : " ip6:") + net.to_string();
    if (outbound.empty()) r += " ip4:<your outbound addresses>";
    return r + " -all";
}

// Terms the evaluation never reaches (§5.1, §6.1).
void check_unreachable(const spf::Record& rec, SpfCheck& out) {
    auto all = std::find_if(rec.mechanisms.begin(), rec.mechanisms.end(),
                            [](const spf::Mechanism& m) { return m.kind == spf::MechanismKind::all; });
    if (all == rec.mechanisms.end()) return;
    if (all + 1 != rec.mechanisms.end())
        out.findings.push_back({Level::warning, "spf",
                                "terms after \"" + shown(all->text) +
                                    "\" are never evaluated (RFC 7208 §5.1): move them before it"});
    if (rec.redirect)
        out.findings.push_back({Level::warning, "spf",
                                "redirect= is ignored because the record has an \"all\" term (RFC 7208 §6.1)"});
}

void check_ending(std::string_view domain, const spf::Record& rec, std::optional<spf::Qualifier> all, SpfCheck& out) {
    const bool has_all = std::any_of(rec.mechanisms.begin(), rec.mechanisms.end(),
                                     [](const spf::Mechanism& m) { return m.kind == spf::MechanismKind::all; });
    std::string via = !has_all && rec.redirect ? " (through redirect=" + shown(*rec.redirect) + ")" : "";
    out.ending = all ? ending_of(*all) : "";
    auto add = [&](Level level, std::string message) { out.findings.push_back({level, "spf", std::move(message)}); };
    if (!all) {
        add(Level::warning, "no \"all\" term" + via +
                                ": mail from hosts the record does not list gets neutral; end the record with -all or ~all");
        return;
    }
    switch (*all) {
        case spf::Qualifier::fail:
            add(Level::ok, "ends in -all" + via + ": mail from hosts the record does not list fails");
            break;
        case spf::Qualifier::softfail:
            add(Level::ok, "ends in ~all" + via + ": mail from hosts the record does not list soft-fails");
            break;
        case spf::Qualifier::neutral:
            add(Level::warning, "ends in ?all" + via +
                                    ": hosts the record does not list get neutral, which protects nothing; use ~all or -all");
            break;
        case spf::Qualifier::pass:
            add(Level::error, "ends in +all" + via + ": every host on the internet may send as " + shown(domain) +
                                  "; replace it with -all or ~all");
            break;
    }
}

void check_outbound(std::string_view domain, const CidrList& outbound, dns::Resolver& resolver, SpfCheck& out) {
    auto add = [&](Level level, std::string message, bool temporary = false) {
        out.findings.push_back({level, "spf", std::move(message), temporary});
    };
    if (outbound.empty()) {
        add(Level::warning,
            "outbound addresses not checked: set [global] outbound_ips in sendwarden.conf to the addresses "
            "your mail leaves from");
        return;
    }
    spf::BuiltinEngine engine(resolver);
    for (const auto& net : outbound.networks()) {
        const std::string ip = net.first_address();
        std::string label = net.to_string();
        if (label != ip) label += " (tested at " + ip + ")";
        spf::Request req;
        req.ip = ip;
        req.mail_from = "postmaster@" + std::string(domain);
        req.helo = std::string(domain);
        spf::Verdict v = engine.check(req);
        const std::string result(spf::to_string(v.result));
        switch (v.result) {
            case spf::Result::pass:
                add(Level::ok, label + " passes (" + shown(v.mechanism) + ")");
                break;
            case spf::Result::temperror:
                add(Level::error, label + ": temperror (" + shown(v.problem) + "); try again", true);
                break;
            case spf::Result::permerror:
                add(Level::error, label + ": permerror (" + shown(v.problem) + ")");
                break;
            default: {
                std::string by = v.mechanism.empty() || v.mechanism == "default" ? "no term matched"
                                                                                   : "by " + shown(v.mechanism);
                add(Level::error, label + " is not authorised (" + result + ", " + by + "): add " +
                                      (net.is_v4() ? "ip4:" : "ip6:") + net.to_string() + " to the record");
            }
        }
    }
}

}  // namespace

SpfCheck check_spf(std::string_view domain, const CidrList& outbound, dns::Resolver& resolver) {
    SpfCheck out;
    const std::string name = name_of(domain);
    auto add = [&](Level level, std::string message, bool temporary = false) {
        out.findings.push_back({level, "spf", std::move(message), temporary});
    };
    Fetched f = fetch_spf(resolver, name);
    switch (f.status) {
        case Fetch::temporary:
            add(Level::error, "DNS lookup of the TXT records of " + shown(name) + " failed (" + shown(f.error) +
                                  "); try again",
                true);
            return out;
        case Fetch::nxdomain:
            add(Level::error, shown(name) + " does not exist in DNS; publish it with an SPF record such as \"" +
                                  suggested_record(outbound) + "\"");
            return out;
        case Fetch::none:
            add(Level::error, "no SPF record: publish a TXT record at " + shown(name) + " such as \"" +
                                  suggested_record(outbound) + "\"");
            return out;
        case Fetch::several:
            add(Level::error, std::to_string(f.count) + " SPF records at " + shown(name) +
                                  ": receivers return permerror; merge them into one");
            return out;
        case Fetch::found:
            break;
    }
    out.record = shown(f.text);
    auto rec = spf::parse_record(f.text);
    if (!rec) {
        add(Level::error, "\"" + out.record + "\": " + shown(rec.error()) +
                              "; receivers return permerror: correct the record");
        return out;
    }

    TermWalk walk(resolver, out);
    std::optional<spf::Qualifier> all = walk.walk(name, *rec);
    std::string count = (out.lookups_complete ? "" : "at least ") + std::to_string(out.lookups) +
                        (out.lookups == 1 ? " lookup" : " lookups");
    out.findings.insert(out.findings.begin(), Finding{Level::ok, "spf", out.record + " (" + count + ")"});
    if (out.lookups > kMaxLookups)
        add(Level::error, count + " through include and redirect, more than the 10 RFC 7208 §4.6.4 allows: "
                                  "receivers return permerror; replace includes by the ip4:/ip6: ranges they list");
    check_unreachable(*rec, out);
    check_ending(name, *rec, all, out);
    check_outbound(name, outbound, resolver, out);
    return out;
}

}  // namespace sw::dnscheck
