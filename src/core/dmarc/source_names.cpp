// name_sources; see source_names.hpp.
#include "core/dmarc/source_names.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

#include "core/log/msg.hpp"
#include "core/util/org_domain.hpp"
#include "core/util/strings.hpp"

namespace sw::dmarc {
namespace {

constexpr std::int64_t kCacheFor = 7 * 86400;

struct Lookup {
    std::string name;
    bool temporary = false;
};

Lookup confirmed_name(dns::Resolver& resolver, const dns::Address& ip) {
    Lookup out;
    auto ptr = resolver.query(reverse_name(ip), dns::Type::PTR);
    if (ptr.status == dns::Status::temporary) {
        out.temporary = true;
        return out;
    }
    // Several PTR names: the first one that resolves back to the address.
    for (const auto& name : ptr.names) {
        auto fwd = resolver.query(name, ip.v4 ? dns::Type::A : dns::Type::AAAA);
        if (fwd.status == dns::Status::temporary) out.temporary = true;
        if (std::find(fwd.addresses.begin(), fwd.addresses.end(), ip) != fwd.addresses.end()) {
            out.name = to_lower(name);
            out.temporary = false;
            return out;
        }
    }
    return out;
}

}  // namespace

std::string reverse_name(const dns::Address& a) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    if (a.v4) {
        for (int i = 3; i >= 0; --i) out += std::to_string(a.bytes[i]) + ".";
        return out + "in-addr.arpa";
    }
    for (int i = 15; i >= 0; --i) {
        out.push_back(hex[a.bytes[i] & 0xf]);
        out.push_back('.');
        out.push_back(hex[a.bytes[i] >> 4]);
        out.push_back('.');
    }
    return out + "ip6.arpa";
}

NameLookupStats name_sources(std::vector<SourceStats>& sources, DmarcStore& store, store::lmdb::Env& env,
                             dns::Resolver* resolver, std::int64_t now, unsigned threads) {
    NameLookupStats stats;
    std::vector<std::size_t> todo;
    {
        store::lmdb::ReadTxn txn(env);
        for (std::size_t i = 0; i < sources.size(); ++i) {
            auto c = store.cached_name(txn, sources[i].ip);
            if (c && now - c->first < kCacheFor) {
                sources[i].name = c->second;
                ++stats.cached;
            } else {
                todo.push_back(i);
            }
        }
    }
    if (resolver && !todo.empty()) {
        std::vector<Lookup> found(todo.size());
        std::atomic<std::size_t> next{0};
        auto work = [&] {
            for (std::size_t k; (k = next.fetch_add(1)) < todo.size();)
                found[k] = confirmed_name(*resolver, sources[todo[k]].ip);
        };
        {
            std::vector<std::jthread> pool;
            unsigned n = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(todo.size())));
            for (unsigned t = 0; t < n; ++t) pool.emplace_back(work);
        }
        try {
            store::lmdb::WriteTxn txn(env);
            for (std::size_t k = 0; k < todo.size(); ++k) {
                auto& s = sources[todo[k]];
                ++stats.looked_up;
                if (found[k].temporary) {
                    ++stats.failed;  // not cached: asked again next time
                    continue;
                }
                s.name = found[k].name;
                store.put_name_in(txn, s.ip, now, s.name);
            }
            txn.commit();
        } catch (const store::lmdb::StoreError& e) {
            // The names are a cache: without it the answer is the same, only slower.
            msg_warn("dmarc: could not cache source names: %s", e.what());
        }
    }
    for (auto& s : sources) {
        if (!s.name.empty()) {
            ++stats.named;
            s.org = org_domain(s.name);
        }
    }
    return stats;
}

}  // namespace sw::dmarc
