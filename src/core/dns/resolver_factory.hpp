// make_resolver: the dns::Resolver a program uses, built from the [dns]
// settings (server, timeout, dnssec_trust_anchor). The one place that maps
// configuration to a resolver implementation; tests build their own.
#pragma once

#include <memory>

#include "core/config/config.hpp"
#include "core/dns/resolver.hpp"
#include "core/util/result.hpp"

namespace sw::dns {

// An error message (for the operator, naming the setting) when [dns] is
// unusable, e.g. a server that is not an address or an unreadable anchor.
Result<std::unique_ptr<Resolver>> make_resolver(const config::Config& config);

}  // namespace sw::dns
