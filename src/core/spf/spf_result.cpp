// spf::to_string; see spf.hpp.
#include "core/spf/spf.hpp"

namespace sw::spf {

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
    return "none";
}

}  // namespace sw::spf
