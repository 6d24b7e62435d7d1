// spf_eval: check_host() of RFC 7208 §4 for one request over a dns::Resolver:
// record lookup and selection (§4.4, §4.5), mechanisms (§5), redirect and
// exp (§6, §6.2), %{p} (§7.3) and the processing limits (§4.6.4: 10
// DNS-querying terms across include and redirect, 2 void lookups, 10 MX and
// 10 PTR names, an elapsed-time bound). An Evaluation lives for one check and
// holds its counters; it is not shared between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dns/resolver.hpp"
#include "core/spf/spf.hpp"
#include "core/spf/spf_macro.hpp"
#include "core/spf/spf_record.hpp"
#include "core/util/clock.hpp"

namespace sw::spf {

struct Limits {
    int dns_terms = 10;     // include a mx ptr exists redirect, whole check
    int void_lookups = 2;   // terms whose query found no name or no data
    std::size_t mx_names = 10;   // more MX names is a permerror
    std::size_t ptr_names = 10;  // PTR names past this are ignored
    Micros max_elapsed = 20 * kMicrosPerSecond;  // §4.6.4: at least 20 s
};

// What check_host() is asked about (RFC 7208 §4.1). Views must outlive the
// Evaluation.
struct CheckInput {
    dns::Address ip;
    std::string_view sender;         // local-part@domain
    std::string_view local_part;
    std::string_view sender_domain;
    std::string_view helo;
    std::string_view receiver;
};

struct Outcome {
    Result result = Result::none;
    std::string mechanism;    // the deciding term, or "default"
    std::string explanation;  // fail with a usable exp= only
    std::string problem;      // why, for none / temperror / permerror
};

class Evaluation final : public ValidatedNames {
public:
    Evaluation(dns::Resolver& resolver, const Clock& clock, const CheckInput& input, const Limits& limits = {});
    Evaluation(const Evaluation&) = delete;
    Evaluation& operator=(const Evaluation&) = delete;

    // check_host(<ip>, <domain>, <sender>) from the top; `domain` has passed
    // the §4.3 checks.
    Outcome run(std::string_view domain);

    std::string_view validated_name(std::string_view domain) override;

private:
    enum class Match { no, yes, temperror, permerror };

    Outcome check_host(std::string_view domain, bool want_exp);
    Match match(const Mechanism& m, const MacroValues& values);
    Match match_a(std::string_view name, const Mechanism& m, bool count_void);
    Match match_mx(std::string_view name, const Mechanism& m);
    Match match_ptr(std::string_view name);
    Match match_exists(std::string_view name);
    Match match_include(std::string_view name);
    std::string explain(std::string_view exp_spec, const MacroValues& values);

    dns::Answer ask(std::string_view name, dns::Type type);
    bool count_term();
    bool count_void();
    std::string_view target(std::string_view spec, const MacroValues& values, std::string& buf);
    bool address_matches(const std::vector<dns::Address>& addrs, const Mechanism* m) const noexcept;
    dns::Type address_type() const noexcept { return input_.ip.v4 ? dns::Type::A : dns::Type::AAAA; }

    dns::Resolver& resolver_;
    const Clock& clock_;
    const CheckInput& input_;
    Limits limits_;
    Micros deadline_;
    int dns_terms_ = 0;
    int voids_ = 0;
    std::string ip_dotted_;    // %{i}
    std::string ip_readable_;  // %{c}
    std::string now_;          // %{t}
    MacroValues base_;
    std::optional<std::vector<std::string>> validated_;  // %{p}, looked up once
    std::string problem_;  // set by match() when it reports an error
};

}  // namespace sw::spf
