// ZoneResolver; see zone_resolver.hpp.
#include "support/zone_resolver.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace sw::test {

namespace {

std::string_view strip_dot(std::string_view s) noexcept {
    if (!s.empty() && s.back() == '.') s.remove_suffix(1);
    return s;
}

char fold(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::size_t ZoneResolver::NameHash::operator()(std::string_view s) const noexcept {
    s = strip_dot(s);
    std::size_t h = 14695981039346656037ull;  // FNV-1a over the folded bytes
    for (char c : s) {
        h ^= static_cast<unsigned char>(fold(c));
        h *= 1099511628211ull;
    }
    return h;
}

bool ZoneResolver::NameEq::operator()(std::string_view a, std::string_view b) const noexcept {
    a = strip_dot(a);
    b = strip_dot(b);
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (fold(a[i]) != fold(b[i])) return false;
    return true;
}

ZoneResolver::Node& ZoneResolver::node(std::string_view name) {
    auto it = zone_.find(name);
    if (it == zone_.end()) it = zone_.emplace(std::string(strip_dot(name)), Node{}).first;
    return it->second;
}

const ZoneResolver::Node* ZoneResolver::find(std::string_view name) const {
    auto it = zone_.find(name);
    return it == zone_.end() ? nullptr : &it->second;
}

bool ZoneResolver::add_address(std::string_view name, std::string_view ip) {
    std::string text(ip);
    dns::Address a;
    if (inet_pton(AF_INET, text.c_str(), a.bytes.data()) == 1) {
        a.v4 = true;
        node(name).a.push_back(a);
        return true;
    }
    if (inet_pton(AF_INET6, text.c_str(), a.bytes.data()) == 1) {
        a.v4 = false;
        node(name).aaaa.push_back(a);
        return true;
    }
    return false;
}

void ZoneResolver::add_txt(std::string_view name, std::string text) { node(name).txt.push_back(std::move(text)); }
void ZoneResolver::add_spf(std::string_view name, std::string text) { node(name).spf.push_back(std::move(text)); }
void ZoneResolver::add_mx(std::string_view name, std::uint16_t preference, std::string_view host) {
    node(name).mx.push_back(dns::Mx{preference, std::string(strip_dot(host))});
}
void ZoneResolver::add_ptr(std::string_view name, std::string_view target) {
    node(name).ptr.emplace_back(strip_dot(target));
}
void ZoneResolver::add_cname(std::string_view name, std::string_view target) {
    node(name).cname = std::string(strip_dot(target));
}
void ZoneResolver::add_timeout(std::string_view name) { node(name).timeout = true; }
void ZoneResolver::add_name(std::string_view name) { (void)node(name); }

bool ZoneResolver::has_txt(std::string_view name) const {
    const Node* n = find(name);
    return n && !n->txt.empty();
}

bool ZoneResolver::contains(std::string_view name) const { return find(name) != nullptr; }

std::size_t ZoneResolver::type_index(dns::Type type) noexcept {
    switch (type) {
        case dns::Type::A: return 0;
        case dns::Type::CNAME: return 1;
        case dns::Type::PTR: return 2;
        case dns::Type::MX: return 3;
        case dns::Type::TXT: return 4;
        case dns::Type::AAAA: return 5;
        case dns::Type::SPF: return 6;
    }
    return 7;
}

std::uint64_t ZoneResolver::queries_of(dns::Type type) const noexcept {
    return counts_[type_index(type)].load(std::memory_order_relaxed);
}

dns::Answer ZoneResolver::query(std::string_view name, dns::Type type) {
    counts_[type_index(type)].fetch_add(1, std::memory_order_relaxed);
    dns::Answer ans;
    const Node* n = find(name);
    for (int hops = 0; n && n->cname && type != dns::Type::CNAME; ++hops) {
        if (hops == 8) {
            ans.status = dns::Status::temporary;
            ans.error = "CNAME chain too long or looping";
            return ans;
        }
        n = find(*n->cname);
    }
    if (!n) {
        ans.status = dns::Status::nxdomain;
        return ans;
    }
    switch (type) {
        case dns::Type::A: ans.addresses = n->a; break;
        case dns::Type::AAAA: ans.addresses = n->aaaa; break;
        case dns::Type::TXT: ans.texts = n->txt; break;
        case dns::Type::SPF: ans.texts = n->spf; break;
        case dns::Type::MX: ans.mx = n->mx; break;
        case dns::Type::PTR: ans.names = n->ptr; break;
        case dns::Type::CNAME:
            if (n->cname) ans.names.push_back(*n->cname);
            break;
    }
    if (n->timeout && ans.empty()) {
        ans.status = dns::Status::temporary;
        ans.error = "timeout (test zone)";
    }
    return ans;
}

}  // namespace sw::test
