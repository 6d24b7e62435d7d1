// The signing decision, as a value (STYLE §2: decide, then act and log):
// is this mail outbound, and if so which keys sign it, or why none does.
// Outbound = an authenticated client ({auth_authen}) or a client address in
// internal_hosts; only outbound mail is signed (DESIGN "Signing and SPF").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/dkim/from_address.hpp"
#include "core/dkim/signing_table.hpp"
#include "core/util/cidr_list.hpp"

namespace sw::dkim {

struct Direction {
    bool outbound = false;
    std::string why;  // "auth=alice@acme.example", "internal client 10.1.2.3", "inbound"
};

Direction classify(std::string_view auth_authen, std::string_view client_addr, const CidrList& internal_hosts);

struct SignPlan {
    std::vector<const SigningKey*> keys;  // empty: do not sign
    std::string domain;                   // the From: domain
    std::string reason;                   // when keys is empty: why the mail goes unsigned
};

SignPlan plan_signing(const FromResult& from, const SigningTable& table);

}  // namespace sw::dkim
