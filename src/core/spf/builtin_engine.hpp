// BuiltinEngine: the default spf::Engine, our own RFC 7208 evaluator. Turns
// a Request into check_host() arguments (§2.3, §2.4: the HELO identity with
// postmaster@helo when MAIL FROM is null; §4.3: local-part "postmaster" when
// missing, "none" for a malformed domain) and the Outcome into a Verdict.
// Stateless between checks, so one instance serves every thread.
#pragma once

#include "core/dns/resolver.hpp"
#include "core/spf/spf.hpp"
#include "core/spf/spf_eval.hpp"
#include "core/util/clock.hpp"

namespace sw::spf {

class BuiltinEngine final : public Engine {
public:
    // `resolver` and `clock` must outlive the engine.
    explicit BuiltinEngine(dns::Resolver& resolver, const Clock& clock = SystemClock::instance(),
                           const Limits& limits = {});
    Verdict check(const Request& request) override;

private:
    dns::Resolver& resolver_;
    const Clock& clock_;
    Limits limits_;
};

}  // namespace sw::spf
