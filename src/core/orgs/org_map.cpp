// OrgMap parsing and lookup; see org_map.hpp.
#include "core/orgs/org_map.hpp"

#include <map>

#include "core/config/policy_table.hpp"
#include "core/util/strings.hpp"

namespace sw::orgs {

bool valid_org_name(std::string_view name) {
    if (name.empty() || name.size() > 64 || name == "*") return false;
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                  c == '-' || c == '_';
        if (!ok) return false;
    }
    return true;
}

OrgMap OrgMap::parse(std::istream& in, const std::string& name, std::vector<std::string>& errors) {
    OrgMap map;
    auto table = config::read_table(in, name);
    errors.insert(errors.end(), table.errors.begin(), table.errors.end());
    std::map<std::string, int> first_line;
    for (const auto& row : table.rows) {
        auto err = [&](const std::string& m) { errors.push_back(config::table_error(name, row.line, m)); };
        if (row.columns.size() != 2) {
            err("expected 2 columns 'member org', got " + std::to_string(row.columns.size()));
            continue;
        }
        std::string member = to_lower(row.columns[0]);
        const std::string& org = row.columns[1];
        if (member.empty() || member == "@" || member.size() > 320) { err("bad member '" + row.columns[0] + "'"); continue; }
        if (!valid_org_name(org)) {
            err("bad org name '" + org + "' (letters, digits, '.', '-', '_')");
            continue;
        }
        if (auto [it, fresh] = first_line.emplace(member, row.line); !fresh) {
            err("member '" + member + "' is listed again (first on line " + std::to_string(it->second) + ")");
            continue;
        }
        if (member[0] == '@') map.domains_.emplace(member.substr(1), org);
        else map.users_.emplace(member, org);
        map.org_names_.emplace(org, row.line);
    }
    return map;
}

const std::string& OrgMap::org_of(std::string_view user, const std::string& fallback) const {
    if (auto it = users_.find(user); it != users_.end()) return it->second;
    if (auto at = user.rfind('@'); at != std::string_view::npos) {
        if (auto it = domains_.find(user.substr(at + 1)); it != domains_.end()) return it->second;
    }
    return fallback;
}

bool OrgMap::has_org(std::string_view org) const { return org_names_.count(std::string(org)) > 0; }

}  // namespace sw::orgs
