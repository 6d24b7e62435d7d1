// UnboundResolver: dns::Resolver over libunbound, the production resolver.
// Forwards every query to one configured server ([dns] server) or to the
// servers of /etc/resolv.conf, enforces [dns] timeout itself, validates
// DNSSEC only when given a trust anchor. Thread-safe: one ub_ctx in threaded
// async mode, a dispatcher thread delivers answers, callers wait with a
// deadline. Create it after any fork() (daemonizing): it owns threads. It
// must not be destroyed while a query() call runs.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/dns/resolver.hpp"
#include "core/util/clock.hpp"
#include "core/util/result.hpp"

namespace sw::dns {

struct UnboundOptions {
    // "HOST:PORT", "[IPv6]:PORT", or a bare address (port 53); HOST must be an
    // IP address. Empty: the nameservers of /etc/resolv.conf.
    std::string forwarder;
    Micros timeout = 5 * kMicrosPerSecond;  // per query(); > 0
    std::string trust_anchor_file;          // empty: no DNSSEC validation
};

// "127.0.0.1:5353" -> "127.0.0.1@5353" (libunbound's forward-addr form);
// an error message for anything that is not an address with a valid port.
Result<std::string> forwarder_to_unbound(std::string_view forwarder);

class UnboundResolver final : public Resolver {
public:
    static Result<std::unique_ptr<UnboundResolver>> create(const UnboundOptions& options);
    ~UnboundResolver() override;
    UnboundResolver(const UnboundResolver&) = delete;
    UnboundResolver& operator=(const UnboundResolver&) = delete;

    Answer query(std::string_view name, Type type) override;

    // Impl is defined in the .cpp only: use create().
    struct Impl;
    explicit UnboundResolver(std::unique_ptr<Impl> impl);

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace sw::dns
