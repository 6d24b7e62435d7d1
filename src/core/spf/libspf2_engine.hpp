// Libspf2Engine: spf::Engine over libspf2 1.2.10 (the second engine and the
// oracle of the differential test), with caller-side fixes for what libspf2
// gets wrong or leaves to the caller (RFC 7208): IPv4-mapped clients are
// unmapped, the null sender checks the HELO identity, malformed identities
// are "none" (§4.3), type SPF (99) is never queried (§3.1), a bare "v=spf1"
// record counts, and SPF_RESULT_INVALID becomes none/permerror/temperror.
// All DNS goes through the given dns::Resolver (a libspf2 DNS layer of ours).
// Known divergence kept: libspf2 passes loopback clients (127/8, ::1)
// without evaluating ("localhost free ride"), and it counts no void lookups.
//
// Thread-safety: check() may run concurrently. Each check borrows one
// SPF_server_t (with its own DNS layer) from a pool for its whole duration,
// so no libspf2 object is shared between threads; the pool grows to the
// peak concurrency and keeps its servers until the engine is destroyed.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "core/dns/resolver.hpp"
#include "core/spf/spf.hpp"

namespace sw::spf {

class Libspf2Engine final : public Engine {
public:
    explicit Libspf2Engine(dns::Resolver& resolver);  // the resolver must outlive the engine
    ~Libspf2Engine() override;
    Libspf2Engine(const Libspf2Engine&) = delete;
    Libspf2Engine& operator=(const Libspf2Engine&) = delete;

    Verdict check(const Request& request) override;

    struct Slot;  // one SPF_server_t and its DNS layer; defined in the .cpp

private:
    std::unique_ptr<Slot> acquire();
    void release(std::unique_ptr<Slot> slot);

    dns::Resolver& resolver_;
    std::mutex mu_;
    std::vector<std::unique_ptr<Slot>> idle_;  // guarded by mu_
};

}  // namespace sw::spf
