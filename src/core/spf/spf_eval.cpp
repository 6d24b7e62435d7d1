// check_host() of RFC 7208; see spf_eval.hpp. Section numbers in comments
// are RFC 7208's.
#include "core/spf/spf_eval.hpp"

#include <algorithm>

#include "core/spf/spf_address.hpp"
#include "core/spf/spf_domain.hpp"
#include "core/util/strings.hpp"

namespace sw::spf {

namespace {

Result result_of(Qualifier q) noexcept {
    switch (q) {
        case Qualifier::pass: return Result::pass;
        case Qualifier::fail: return Result::fail;
        case Qualifier::softfail: return Result::softfail;
        case Qualifier::neutral: return Result::neutral;
    }
    return Result::neutral;
}

bool is_ascii(std::string_view s) noexcept {
    for (char c : s)
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    return true;
}

Outcome outcome(Result r, std::string_view mechanism, std::string problem = {}) {
    Outcome o;
    o.result = r;
    o.mechanism = mechanism;
    o.problem = std::move(problem);
    return o;
}

std::string quoted(std::string_view name) { return printable(name, 255); }

}  // namespace

Evaluation::Evaluation(dns::Resolver& resolver, const Clock& clock, const CheckInput& input, const Limits& limits)
    : resolver_(resolver),
      clock_(clock),
      input_(input),
      limits_(limits),
      deadline_(clock.now() + limits.max_elapsed) {
    append_dotted(input.ip, ip_dotted_);
    append_readable(input.ip, ip_readable_);
    now_ = std::to_string(clock.now() / kMicrosPerSecond);
    base_.s = input.sender;
    base_.l = input.local_part;
    base_.o = input.sender_domain;
    base_.i = ip_dotted_;
    base_.c = ip_readable_;
    base_.v = input.ip.v4 ? "in-addr" : "ip6";
    base_.h = input.helo;
    base_.r = input.receiver;
    base_.t = now_;
    base_.p = this;
}

Outcome Evaluation::run(std::string_view domain) { return check_host(domain, true); }

dns::Answer Evaluation::ask(std::string_view name, dns::Type type) {
    if (clock_.now() > deadline_) {
        dns::Answer late;
        late.status = dns::Status::temporary;
        late.error = "SPF evaluation time limit exceeded";
        return late;
    }
    return resolver_.query(name, type);
}

bool Evaluation::count_term() {
    if (++dns_terms_ <= limits_.dns_terms) return true;
    problem_ = "more than " + std::to_string(limits_.dns_terms) + " DNS-querying mechanisms and modifiers";
    return false;
}

bool Evaluation::count_void() {
    if (++voids_ <= limits_.void_lookups) return true;
    problem_ = "more than " + std::to_string(limits_.void_lookups) + " void DNS lookups";
    return false;
}

// The name a term's domain-spec designates (§4.8): the current domain when
// the spec is empty, else the macro expansion, finished per §7.3. Empty when
// the result cannot be a DNS name.
std::string_view Evaluation::target(std::string_view spec, const MacroValues& values, std::string& buf) {
    if (spec.empty()) return values.d;
    if (!expand_macros(spec, MacroMode::domain, values, buf)) return {};
    return finish_target(buf);
}

bool Evaluation::address_matches(const std::vector<dns::Address>& addrs, const Mechanism* m) const noexcept {
    int bits = !m ? (input_.ip.v4 ? 32 : 128) : input_.ip.v4 ? m->cidr4 : m->cidr6;
    for (const auto& a : addrs)
        if (in_network(input_.ip, a, bits)) return true;
    return false;
}

Outcome Evaluation::check_host(std::string_view domain, bool want_exp) {
    // §4.4: TXT only; type SPF (99) is never queried (§3.1, §14.1).
    dns::Answer txt = ask(domain, dns::Type::TXT);
    if (txt.status == dns::Status::temporary)
        return outcome(Result::temperror, {}, "DNS error looking up TXT of " + quoted(domain) + ": " + txt.error);
    if (txt.status == dns::Status::nxdomain) return outcome(Result::none, {}, "no such domain " + quoted(domain));
    const std::string* found = nullptr;
    for (const auto& t : txt.texts) {
        if (!is_spf_record(t)) continue;
        if (found) return outcome(Result::permerror, {}, "more than one SPF record at " + quoted(domain));
        found = &t;
    }
    if (!found) return outcome(Result::none, {}, "no SPF record at " + quoted(domain));
    auto rec = parse_record(*found);
    if (!rec) return outcome(Result::permerror, {}, quoted(domain) + ": " + rec.error());

    MacroValues values = base_;
    values.d = domain;
    for (const Mechanism& m : rec->mechanisms) {
        problem_.clear();
        switch (match(m, values)) {
            case Match::no:
                continue;
            case Match::temperror:
                return outcome(Result::temperror, m.text, std::move(problem_));
            case Match::permerror:
                return outcome(Result::permerror, m.text, std::move(problem_));
            case Match::yes:
                break;
        }
        Outcome o = outcome(result_of(m.qualifier), m.text);
        if (o.result == Result::fail && want_exp && rec->exp) o.explanation = explain(*rec->exp, values);
        return o;
    }
    if (!rec->redirect) return outcome(Result::neutral, "default");  // §4.7

    // §6.1: redirect counts as a DNS term; its target's exp= replaces ours.
    if (!count_term()) return outcome(Result::permerror, "redirect", std::move(problem_));
    std::string buf;
    std::string_view to = target(*rec->redirect, values, buf);
    if (to.empty()) return outcome(Result::permerror, "redirect", "redirect= names no valid domain");
    Outcome o = check_host(to, want_exp);
    if (o.result == Result::none) {
        o.result = Result::permerror;
        o.problem = "redirect=" + quoted(to) + ": " + o.problem;
    }
    return o;
}

Evaluation::Match Evaluation::match(const Mechanism& m, const MacroValues& values) {
    switch (m.kind) {
        case MechanismKind::all:
            return Match::yes;
        case MechanismKind::ip4:
        case MechanismKind::ip6:
            return in_network(input_.ip, m.network, m.kind == MechanismKind::ip4 ? m.cidr4 : m.cidr6) ? Match::yes
                                                                                                     : Match::no;
        default:
            break;
    }
    if (!count_term()) return Match::permerror;
    std::string buf;
    std::string_view name = target(m.domain_spec, values, buf);
    if (name.empty()) {
        // §4.8: a target that is no DNS name does not exist: no match, but
        // include needs a record, so for include it is an error (§5.2).
        if (m.kind != MechanismKind::include) return Match::no;
        problem_ = "include: names no valid domain";
        return Match::permerror;
    }
    switch (m.kind) {
        case MechanismKind::a: return match_a(name, m, true);
        case MechanismKind::mx: return match_mx(name, m);
        case MechanismKind::ptr: return match_ptr(name);
        case MechanismKind::exists: return match_exists(name);
        case MechanismKind::include: return match_include(name);
        default: return Match::no;
    }
}

// §5.3 (and §5.4 per MX host, where count_void is false): the addresses of
// the client's family only; an IPv4 client never matches AAAA data.
Evaluation::Match Evaluation::match_a(std::string_view name, const Mechanism& m, bool count_void_lookup) {
    dns::Answer ans = ask(name, address_type());
    if (ans.status == dns::Status::temporary) {
        problem_ = "DNS error looking up " + quoted(name) + ": " + ans.error;
        return Match::temperror;
    }
    if (ans.addresses.empty()) {
        if (count_void_lookup && !count_void()) return Match::permerror;
        return Match::no;
    }
    return address_matches(ans.addresses, &m) ? Match::yes : Match::no;
}

// §5.4 and §4.6.4: more than 10 MX names is a permerror; no implicit MX.
Evaluation::Match Evaluation::match_mx(std::string_view name, const Mechanism& m) {
    dns::Answer ans = ask(name, dns::Type::MX);
    if (ans.status == dns::Status::temporary) {
        problem_ = "DNS error looking up MX of " + quoted(name) + ": " + ans.error;
        return Match::temperror;
    }
    if (ans.mx.empty()) return count_void() ? Match::no : Match::permerror;
    if (ans.mx.size() > limits_.mx_names) {
        problem_ = quoted(name) + " has more than " + std::to_string(limits_.mx_names) + " MX records";
        return Match::permerror;
    }
    for (const auto& mx : ans.mx) {
        if (mx.host.empty() || mx.host == ".") continue;  // null MX (RFC 7505)
        Match r = match_a(mx.host, m, false);
        if (r != Match::no) return r;
    }
    return Match::no;
}

// §5.5: a DNS error on the PTR query is no match; only the first 10 names
// are looked at; names are validated by a forward lookup, failures skipped.
// The suffix test comes first so that names that cannot match cost nothing.
Evaluation::Match Evaluation::match_ptr(std::string_view name) {
    std::string rev;
    append_reverse_name(input_.ip, rev);
    dns::Answer ans = ask(rev, dns::Type::PTR);
    if (ans.status == dns::Status::temporary) return Match::no;
    if (ans.names.empty()) return count_void() ? Match::no : Match::permerror;
    std::size_t n = std::min(ans.names.size(), limits_.ptr_names);
    for (std::size_t k = 0; k < n; ++k) {
        const std::string& host = ans.names[k];
        if (!is_within(host, name)) continue;
        dns::Answer fwd = ask(host, address_type());
        if (fwd.status == dns::Status::ok && address_matches(fwd.addresses, nullptr)) return Match::yes;
    }
    return Match::no;
}

// §5.7: an A query whatever the client's family.
Evaluation::Match Evaluation::match_exists(std::string_view name) {
    dns::Answer ans = ask(name, dns::Type::A);
    if (ans.status == dns::Status::temporary) {
        problem_ = "DNS error looking up " + quoted(name) + ": " + ans.error;
        return Match::temperror;
    }
    if (ans.addresses.empty()) return count_void() ? Match::no : Match::permerror;
    return Match::yes;
}

// §5.2: pass matches; fail, softfail, neutral do not; errors propagate; a
// target without a record is a permerror. The target's exp= is not used.
Evaluation::Match Evaluation::match_include(std::string_view name) {
    Outcome sub = check_host(name, false);
    switch (sub.result) {
        case Result::pass:
            return Match::yes;
        case Result::fail:
        case Result::softfail:
        case Result::neutral:
            return Match::no;
        case Result::temperror:
            problem_ = "include:" + quoted(name) + ": " + sub.problem;
            return Match::temperror;
        case Result::none:
        case Result::permerror:
            problem_ = "include:" + quoted(name) + ": " + sub.problem;
            return Match::permerror;
    }
    return Match::permerror;
}

// §6.2: any trouble with the explanation (bad expansion, DNS error, not
// exactly one TXT record, non-ASCII or bad macro text) means none is given.
std::string Evaluation::explain(std::string_view exp_spec, const MacroValues& values) {
    std::string buf;
    std::string_view name = target(exp_spec, values, buf);
    if (name.empty()) return {};
    dns::Answer ans = ask(name, dns::Type::TXT);
    if (ans.status != dns::Status::ok || ans.texts.size() != 1 || !is_ascii(ans.texts.front())) return {};
    std::string text;
    if (!expand_macros(ans.texts.front(), MacroMode::explanation, values, text)) return {};
    return text;
}

// §7.3 %{p}: the PTR names of the client (first 10) whose forward lookup
// gives the client back; the one equal to or under `domain` is preferred.
std::string_view Evaluation::validated_name(std::string_view domain) {
    if (!validated_) {
        validated_.emplace();
        std::string rev;
        append_reverse_name(input_.ip, rev);
        dns::Answer ans = ask(rev, dns::Type::PTR);
        std::size_t n = std::min(ans.names.size(), limits_.ptr_names);
        for (std::size_t k = 0; k < n; ++k) {
            dns::Answer fwd = ask(ans.names[k], address_type());
            if (fwd.status == dns::Status::ok && address_matches(fwd.addresses, nullptr))
                validated_->push_back(std::move(ans.names[k]));
        }
    }
    for (const auto& n : *validated_)
        if (iequals(n, domain)) return n;
    for (const auto& n : *validated_)
        if (is_within(n, domain)) return n;
    if (!validated_->empty()) return validated_->front();
    return "unknown";
}

}  // namespace sw::spf
