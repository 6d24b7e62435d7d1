// OrgSettings parsing; see org_settings.hpp.
#include "core/orgs/org_settings.hpp"

#include <cstdlib>
#include <set>

#include "core/config/policy_table.hpp"
#include "core/orgs/org_map.hpp"
#include "core/util/strings.hpp"

namespace sw::orgs {
namespace {

std::optional<double> parse_fraction(const std::string& text) {
    char* end = nullptr;
    double d = std::strtod(text.c_str(), &end);
    bool percent = end && *end == '%';
    if (percent) ++end;
    if (text.empty() || !end || *end != '\0') return std::nullopt;
    if (percent) d /= 100.0;
    if (!(d >= 0.0 && d <= 1.0)) return std::nullopt;
    return d;
}

bool plausible_address(const std::string& a) {
    auto at = a.find('@');
    return at != std::string::npos && at > 0 && at + 1 < a.size() && a.find_first_of(" \t<>,;\"") == std::string::npos;
}

}  // namespace

OrgSettings OrgSettings::parse(std::istream& in, const std::string& name, std::vector<std::string>& errors) {
    OrgSettings out;
    auto table = config::read_table(in, name);
    errors.insert(errors.end(), table.errors.begin(), table.errors.end());
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& row : table.rows) {
        auto err = [&](const std::string& m) { errors.push_back(config::table_error(name, row.line, m)); };
        if (row.columns.size() != 3) {
            err("expected 3 columns 'org setting value', got " + std::to_string(row.columns.size()));
            continue;
        }
        const std::string& org = row.columns[0];
        const std::string setting = to_lower(row.columns[1]);
        const std::string& value = row.columns[2];
        if (!valid_org_name(org)) {
            err("bad org name '" + org + "' (letters, digits, '.', '-', '_')");
            continue;
        }
        if (setting != "contact" && !seen.emplace(org, setting).second) {
            err("'" + setting + "' of org '" + org + "' is set again");
            continue;
        }
        auto& o = out.orgs_[org];
        if (setting == "contact") {
            if (!plausible_address(value)) { err("contact '" + value + "' is not an e-mail address"); continue; }
            o.contacts.push_back(value);
        } else if (setting == "bounce_warn" || setting == "bounce_pause" || setting == "complaint_warn" ||
                   setting == "complaint_pause") {
            auto f = parse_fraction(value);
            if (!f) { err(setting + ": '" + value + "' is not a fraction 0..1 (or a percentage like 5%)"); continue; }
            (setting == "bounce_warn"      ? o.bounce_warn
             : setting == "bounce_pause"   ? o.bounce_pause
             : setting == "complaint_warn" ? o.complaint_warn
                                           : o.complaint_pause) = *f;
        } else if (setting == "min_volume") {
            auto n = parse_uint(value);
            if (!n) { err("min_volume: '" + value + "' is not a count"); continue; }
            o.min_volume = *n;
        } else if (setting == "pause_action") {
            std::string v = to_lower(value);
            if (v != "hold" && v != "defer") { err("pause_action: '" + value + "' is not hold or defer"); continue; }
            o.pause_action = v;
        } else {
            err("unknown setting '" + row.columns[1] +
                "' (contact, bounce_warn, bounce_pause, complaint_warn, complaint_pause, min_volume, pause_action)");
        }
    }
    return out;
}

const OrgOverrides& OrgSettings::of(const std::string& org) const {
    static const OrgOverrides none;
    auto it = orgs_.find(org);
    return it == orgs_.end() ? none : it->second;
}

}  // namespace sw::orgs
