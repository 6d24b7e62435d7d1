// libFuzzer target: the parsers of every file in policy_dir (limits, orgs,
// org_settings, signing) and the milter's small header parsers
// (Authentication-Results authserv-id, internal_hosts CIDR lists, DKIM key
// records); sendwarden.conf has fuzz-config. Errors are expected; crashes and
// hangs are not.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "core/authres/auth_headers.hpp"
#include "core/dkim/dkim_record.hpp"
#include "core/dkim/signing_table.hpp"
#include "core/util/cidr_list.hpp"
#include "core/limits/limit_policy.hpp"
#include "core/limits/limit_rule.hpp"
#include "core/orgs/org_map.hpp"
#include "core/orgs/org_settings.hpp"

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
        auto settings = sw::orgs::OrgSettings::parse(in, "org_settings", errors);
        for (const auto& [org, o] : settings.all()) {
            for (const auto& f : {o.bounce_warn, o.bounce_pause, o.complaint_warn, o.complaint_pause})
                if (f && !(*f >= 0.0 && *f <= 1.0)) std::abort();  // a rate, never NaN or beyond 100%
            if (o.pause_action && *o.pause_action != "hold" && *o.pause_action != "defer") std::abort();
            if (&settings.of(org) != &o) std::abort();
        }
    }
    {
        std::istringstream in(text);
        auto table = sw::dkim::SigningTable::parse(in, "signing", "/nonexistent", errors);
        (void)table.choose("mail.acme.example");
    }
    (void)sw::authres::authserv_id_of(text);
    (void)sw::CidrList::parse(text);
    (void)sw::dkim::parse_key_record(text);
    return 0;
}
