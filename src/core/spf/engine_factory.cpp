// make_engine (see engine_factory.hpp), and spf::to_string for the result
// words of RFC 7208 §2.6.
#include "core/spf/engine_factory.hpp"

#include <string>

#include "core/spf/libspf2_engine.hpp"

namespace sw::spf {

sw::Result<std::unique_ptr<Engine>> make_engine(std::string_view name, dns::Resolver& resolver) {
    if (name == "libspf2") return std::unique_ptr<Engine>(std::make_unique<Libspf2Engine>(resolver));
    if (name == "builtin") {
        // TODO(merge): return std::make_unique<BuiltinEngine>(resolver) once
        // src/core/spf/builtin_engine.hpp is on this branch.
        return fail("SPF engine 'builtin' is not available in this build (set [milter] spf_engine = libspf2)");
    }
    return fail("unknown SPF engine '" + std::string(name) + "' (builtin or libspf2)");
}

// TODO(merge): declared in spf.hpp; if the builtin-engine branch defines it
// too (e.g. in spf.cpp), keep one definition and drop the other.
std::string_view to_string(Result r) noexcept {
    switch (r) {
    case Result::none: return "none";
    case Result::neutral: return "neutral";
    case Result::pass: return "pass";
    case Result::fail: return "fail";
    case Result::softfail: return "softfail";
    case Result::temperror: return "temperror";
    case Result::permerror: return "permerror";
    }
    return "permerror";
}

}  // namespace sw::spf
