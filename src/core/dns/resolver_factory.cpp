// make_resolver (see resolver_factory.hpp): [dns] -> UnboundResolver.
#include "core/dns/resolver_factory.hpp"

#include "core/dns/unbound_resolver.hpp"

namespace sw::dns {

Result<std::unique_ptr<Resolver>> make_resolver(const config::Config& config) {
    UnboundOptions options;
    options.forwarder = config.dns_server;
    options.timeout = config.dns_timeout;
    options.trust_anchor_file = config.dns_dnssec_trust_anchor;
    auto r = UnboundResolver::create(options);
    if (!r) return fail("[dns]: " + r.error());
    return std::unique_ptr<Resolver>(std::move(*r));
}

}  // namespace sw::dns
