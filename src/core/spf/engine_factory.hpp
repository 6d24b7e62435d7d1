// make_engine: the spf::Engine named by [milter] spf_engine ("builtin" or
// "libspf2"), resolving through the given dns::Resolver. The one place that
// maps the setting to an implementation.
#pragma once

#include <memory>
#include <string_view>

#include "core/dns/resolver.hpp"
#include "core/spf/spf.hpp"
#include "core/util/result.hpp"

namespace sw::spf {

// The resolver must outlive the engine. An error message for an unknown
// name or an engine this build does not have.
sw::Result<std::unique_ptr<Engine>> make_engine(std::string_view name, dns::Resolver& resolver);

}  // namespace sw::spf
