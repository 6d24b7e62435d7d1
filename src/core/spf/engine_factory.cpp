// make_engine; see engine_factory.hpp.
#include "core/spf/engine_factory.hpp"

#include <string>

#include "core/spf/builtin_engine.hpp"
#include "core/spf/libspf2_engine.hpp"

namespace sw::spf {

sw::Result<std::unique_ptr<Engine>> make_engine(std::string_view name, dns::Resolver& resolver) {
    if (name == "builtin") return std::unique_ptr<Engine>(std::make_unique<BuiltinEngine>(resolver));
    if (name == "libspf2") return std::unique_ptr<Engine>(std::make_unique<Libspf2Engine>(resolver));
    return fail("unknown SPF engine '" + std::string(name) + "' (builtin or libspf2)");
}

}  // namespace sw::spf
