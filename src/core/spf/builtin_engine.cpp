// BuiltinEngine; see builtin_engine.hpp.
#include "core/spf/builtin_engine.hpp"

#include <exception>
#include <string>

#include "core/spf/spf_address.hpp"
#include "core/spf/spf_domain.hpp"
#include "core/util/strings.hpp"

namespace sw::spf {

BuiltinEngine::BuiltinEngine(dns::Resolver& resolver, const Clock& clock, const Limits& limits)
    : resolver_(resolver), clock_(clock), limits_(limits) {}

Verdict BuiltinEngine::check(const Request& request) {
    Verdict v;
    try {
        // §2.4: the MAIL FROM identity; for the null sender, the HELO identity
        // with postmaster@<helo> as the sender.
        std::string sender_buf;
        std::string_view sender, local, domain;
        if (!request.mail_from.empty()) {
            v.identity = "mailfrom";
            std::string_view from = request.mail_from;
            std::size_t at = from.rfind('@');
            local = at == std::string_view::npos ? std::string_view{} : from.substr(0, at);
            domain = at == std::string_view::npos ? from : from.substr(at + 1);
            sender = from;
        } else {
            v.identity = "helo";
            domain = request.helo;
        }
        if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
        if (local.empty()) {  // §4.3: no local-part means "postmaster"
            local = "postmaster";
            sender_buf.reserve(11 + domain.size());
            sender_buf.append("postmaster@").append(domain);
            sender = sender_buf;
        }
        v.domain = domain;

        auto ip = parse_client_address(request.ip);
        if (!ip) {
            v.result = Result::permerror;
            v.problem = "client address \"" + printable(request.ip, 64) + "\" is not an IP address";
            return v;
        }
        if (!is_checkable_domain(domain)) {  // §4.3
            v.result = Result::none;
            v.problem = "\"" + printable(domain, 255) + "\" is not a domain SPF can check";
            return v;
        }
        CheckInput in{*ip, sender, local, domain, request.helo, request.receiver};
        Evaluation eval(resolver_, clock_, in, limits_);
        Outcome o = eval.run(domain);
        v.result = o.result;
        v.mechanism = std::move(o.mechanism);
        v.explanation = std::move(o.explanation);
        v.problem = std::move(o.problem);
    } catch (const std::exception& e) {
        // Only allocation can throw here; the interface promises no throw.
        v.result = Result::temperror;
        v.problem = e.what();
    }
    return v;
}

}  // namespace sw::spf
