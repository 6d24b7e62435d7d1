// libFuzzer target: the policy-table parsers (limits, orgs, signing), the
// sendwarden.conf reader and the milter's small header parsers
// (Authentication-Results authserv-id, internal_hosts CIDR lists, DKIM key
// records). Errors are expected; crashes and hangs are not.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "core/authres/auth_headers.hpp"
#include "core/config/config_file.hpp"
#include "core/dkim/dkim_record.hpp"
#include "core/dkim/signing_table.hpp"
#include "core/util/cidr_list.hpp"
#include "core/limits/limit_policy.hpp"
#include "core/limits/limit_rule.hpp"
#include "core/orgs/org_map.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> errors;
    {
        std::istringstream in(text);
        sw::limits::LimitPolicy policy(sw::limits::parse_limits(in, "limits", errors));
        std::vector<sw::limits::MatchedLimit> out;
        sw::limits::Subject who{"u@x.example", "org", std::nullopt, {}};
        who.set_client(sw::IpPrefix::parse("192.0.2.1"));
        policy.match(who, out);
    }
    {
        std::istringstream in(text);
        auto orgs = sw::orgs::OrgMap::parse(in, "orgs", errors);
        (void)orgs.org_of("u@x.example", "fallback");
    }
    {
        std::istringstream in(text);
        auto table = sw::dkim::SigningTable::parse(in, "signing", "/nonexistent", errors);
        (void)table.choose("mail.acme.example");
    }
    (void)sw::authres::authserv_id_of(text);
    (void)sw::CidrList::parse(text);
    (void)sw::dkim::parse_key_record(text);
    (void)sw::config::parse_config(text, "sendwarden.conf");
    return 0;
}
