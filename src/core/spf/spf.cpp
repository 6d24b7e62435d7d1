// The names of SPF results as RFC 7208 §2.6 spells them (and as they appear
// in Received-SPF and Authentication-Results headers, RFC 7208 §9, RFC 8601).
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
    return "permerror";
}

}  // namespace sw::spf
