// ZoneResolver: a dns::Resolver that answers from in-memory zone data, for
// tests and benchmarks of anything that resolves (SPF engines, DKIM key
// checks). Names are case-insensitive and a trailing dot is ignored. A name
// present with no data of the asked type answers NODATA (ok, empty); an
// absent name answers NXDOMAIN; CNAMEs are followed (a loop or a chain over
// 8 answers temporary, as a resolver's SERVFAIL); a name marked timeout
// answers temporary for every type it has no data of. Fill it first, then
// query from any number of threads.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/dns/resolver.hpp"

namespace sw::test {

class ZoneResolver final : public dns::Resolver {
public:
    ZoneResolver() = default;
    ZoneResolver(const ZoneResolver&) = delete;
    ZoneResolver& operator=(const ZoneResolver&) = delete;

    // Each returns false (and adds nothing) on unusable data.
    bool add_address(std::string_view name, std::string_view ip);  // A or AAAA by syntax
    void add_txt(std::string_view name, std::string text);  // strings already joined
    void add_spf(std::string_view name, std::string text);  // type 99
    void add_mx(std::string_view name, std::uint16_t preference, std::string_view host);
    void add_ptr(std::string_view name, std::string_view target);
    void add_cname(std::string_view name, std::string_view target);
    void add_timeout(std::string_view name);  // types without data time out
    void add_name(std::string_view name);     // exists, no data

    bool has_txt(std::string_view name) const;
    bool contains(std::string_view name) const;

    dns::Answer query(std::string_view name, dns::Type type) override;

    // How many queries of `type` were asked (e.g. to show SPF is never asked).
    std::uint64_t queries_of(dns::Type type) const noexcept;

private:
    struct Node {
        std::vector<dns::Address> a, aaaa;
        std::vector<std::string> txt, spf, ptr;
        std::vector<dns::Mx> mx;
        std::optional<std::string> cname;
        bool timeout = false;
    };
    // Case-insensitive, transparent: lookups by string_view allocate nothing.
    struct NameHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept;
    };
    struct NameEq {
        using is_transparent = void;
        bool operator()(std::string_view a, std::string_view b) const noexcept;
    };

    Node& node(std::string_view name);
    const Node* find(std::string_view name) const;
    static std::size_t type_index(dns::Type type) noexcept;

    std::unordered_map<std::string, Node, NameHash, NameEq> zone_;
    std::array<std::atomic<std::uint64_t>, 8> counts_{};
};

}  // namespace sw::test
