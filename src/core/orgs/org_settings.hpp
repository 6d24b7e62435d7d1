// OrgSettings: per-org reputation settings from the optional policy file
// `org_settings` (sendwarden-policy(5)): emergency contacts and overrides of
// the [reputation] thresholds. Lines: `org setting value`; `contact` may be
// repeated, every other setting given once per org.
#pragma once

#include <istream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sw::orgs {

struct OrgOverrides {
    std::vector<std::string> contacts;  // e-mail addresses
    std::optional<double> bounce_warn, bounce_pause, complaint_warn, complaint_pause;
    std::optional<std::uint64_t> min_volume;
    std::optional<std::string> pause_action;  // "hold" or "defer"
};

class OrgSettings {
public:
    // Parses the table; errors ("name:line: ...") are appended to `errors`.
    static OrgSettings parse(std::istream& in, const std::string& name, std::vector<std::string>& errors);

    // The overrides of `org`; an empty set when it has none.
    const OrgOverrides& of(const std::string& org) const;
    const std::map<std::string, OrgOverrides>& all() const { return orgs_; }

private:
    std::map<std::string, OrgOverrides> orgs_;
};

}  // namespace sw::orgs
