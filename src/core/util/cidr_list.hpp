// CidrList: a set of IPv4/IPv6 networks written "10.0.0.0/8 ::1, 2001:db8::/32"
// (space or comma separated), e.g. the milter's internal_hosts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/util/ip_prefix.hpp"
#include "core/util/result.hpp"

namespace sw {

class CidrList {
public:
    static Result<CidrList> parse(std::string_view text);
    // `addr` is an address in text form (IPv4-mapped IPv6 counts as IPv4).
    bool contains(std::string_view addr) const;
    bool empty() const noexcept { return nets_.empty(); }
    const std::vector<IpPrefix>& networks() const noexcept { return nets_; }

private:
    std::vector<IpPrefix> nets_;
};

}  // namespace sw
