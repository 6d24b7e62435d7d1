// Reverse-DNS names of report sources, forward-confirmed (the name's A/AAAA
// records include the address): anyone can publish any PTR name, and a
// spoofer calling itself "mail.google.com" must not be grouped with Google.
// Answers are cached in the data store ("dmarc_names") for a week, so a
// second `dmarc sources` asks DNS nothing.
#pragma once

#include <cstdint>
#include <vector>

#include "core/dmarc/dmarc_store.hpp"
#include "core/dmarc/sources.hpp"
#include "core/dns/resolver.hpp"

namespace sw::dmarc {

struct NameLookupStats {
    std::size_t cached = 0, looked_up = 0, named = 0, failed = 0;  // failed: DNS errors (not cached)
};

// Fills name and org of every source. `resolver` may be null (cache only).
// Lookups run on up to `threads` threads at once.
NameLookupStats name_sources(std::vector<SourceStats>& sources, DmarcStore& store, store::lmdb::Env& env,
                             dns::Resolver* resolver, std::int64_t now, unsigned threads = 16);

// "4.3.2.1.in-addr.arpa" / nibble form for IPv6.
std::string reverse_name(const dns::Address& a);

}  // namespace sw::dmarc
