// Loading policy_dir; see policy.hpp.
#include "core/config/policy.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace sw::config {
namespace {

bool open_table(const std::string& path, std::ifstream& in, std::vector<std::string>& errors) {
    in.open(path);
    if (in) return true;
    errors.push_back(path + ":0: cannot open: " + std::strerror(errno));
    return false;
}

}  // namespace

PolicyLoad load_policy(const std::string& policy_dir, const std::string& default_org) {
    PolicyLoad out;
    auto policy = std::make_shared<Policy>();
    std::ifstream orgs_in, limits_in;
    std::string orgs_path = policy_dir + "/orgs", limits_path = policy_dir + "/limits";
    if (open_table(orgs_path, orgs_in, out.errors)) policy->orgs = orgs::OrgMap::parse(orgs_in, orgs_path, out.errors);
    if (open_table(limits_path, limits_in, out.errors)) {
        auto rules = limits::parse_limits(limits_in, limits_path, out.errors);
        for (const auto& r : rules) {
            if (r.scope == limits::Scope::Org && !r.wildcard() && r.selector != default_org &&
                !policy->orgs.has_org(r.selector))
                out.errors.push_back(limits_path + ":" + r.origin.substr(r.origin.rfind(':') + 1) + ": org '" +
                                     r.selector + "' is not named in " + orgs_path);
        }
        policy->limits = limits::LimitPolicy(std::move(rules));
    }
    std::string settings_path = policy_dir + "/org_settings";
    if (std::ifstream settings_in(settings_path); settings_in) {
        policy->org_settings = orgs::OrgSettings::parse(settings_in, settings_path, out.errors);
        for (const auto& [org, o] : policy->org_settings.all())
            if (org != default_org && !policy->orgs.has_org(org))
                out.errors.push_back(settings_path + ":0: org '" + org + "' is not named in " + orgs_path);
    } else if (errno != ENOENT) {
        out.errors.push_back(settings_path + ":0: cannot open: " + std::strerror(errno));
    }
    if (out.errors.empty()) out.policy = std::move(policy);
    return out;
}

}  // namespace sw::config
