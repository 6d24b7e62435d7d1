// CidrList; see cidr_list.hpp.
#include "core/util/cidr_list.hpp"

namespace sw {

Result<CidrList> CidrList::parse(std::string_view text) {
    CidrList list;
    std::size_t at = 0;
    while (at < text.size()) {
        auto end = text.find_first_of(" \t,", at);
        if (end == std::string_view::npos) end = text.size();
        auto item = text.substr(at, end - at);
        at = end + 1;
        if (item.empty()) continue;
        auto net = IpPrefix::parse(item);
        if (!net) return fail("'" + std::string(item) + "' is not an IPv4 or IPv6 address or network");
        list.nets_.push_back(*net);
    }
    return list;
}

bool CidrList::contains(std::string_view addr) const {
    auto host = IpPrefix::parse(addr);
    if (!host) return false;
    for (const auto& net : nets_)
        if (net.contains(*host)) return true;
    return false;
}

}  // namespace sw
