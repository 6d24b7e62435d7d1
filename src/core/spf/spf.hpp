// SPF (RFC 7208) public interface: one request in, one verdict out. Two
// engines implement it: BuiltinEngine (src/core/spf, our own evaluator, the
// default) and Libspf2Engine (libspf2 with caller-side fixes, the second
// engine and the oracle of the differential test). Both resolve through a
// dns::Resolver.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/dns/resolver.hpp"

namespace sw::spf {

enum class Result { none, neutral, pass, fail, softfail, temperror, permerror };

std::string_view to_string(Result r) noexcept;  // "pass", "permerror", ...

struct Request {
    std::string ip;         // client address, IPv4 or IPv6 text (::ffff:a.b.c.d is unmapped)
    std::string mail_from;  // MAIL FROM address without <>; empty = null sender
    std::string helo;       // HELO/EHLO name
    std::string receiver = "unknown";  // %{r}: our host name
};

struct Verdict {
    Result result = Result::none;
    std::string identity;     // "mailfrom" or "helo": what was checked
    std::string domain;       // the domain whose record was evaluated first
    std::string explanation;  // fail only: the exp= text, or empty
    std::string mechanism;    // the matching term, e.g. "ip4:192.0.2.0/24" or "default"
    std::string problem;      // temperror/permerror: why, for logs and headers
};

class Engine {
public:
    virtual ~Engine() = default;
    // Thread-safe; never throws.
    virtual Verdict check(const Request& request) = 0;
};

}  // namespace sw::spf
