// Policy: the policy files of policy_dir (orgs, limits, optional org_settings) loaded together as
// one immutable snapshot. A reload builds a new one and replaces the old only
// when every file parsed without error.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/limits/limit_policy.hpp"
#include "core/orgs/org_map.hpp"
#include "core/orgs/org_settings.hpp"

namespace sw::config {

struct Policy {
    orgs::OrgMap orgs;
    limits::LimitPolicy limits;
    orgs::OrgSettings org_settings;  // optional file `org_settings`
};

struct PolicyLoad {
    std::shared_ptr<const Policy> policy;  // null when errors is not empty
    std::vector<std::string> errors;       // "path:line: message"
};

// `default_org` counts as a known org name for `org NAME` limits.
PolicyLoad load_policy(const std::string& policy_dir, const std::string& default_org = "");

}  // namespace sw::config
