// classify / plan_signing; see sign_plan.hpp.
#include "core/dkim/sign_plan.hpp"

namespace sw::dkim {

Direction classify(std::string_view auth_authen, std::string_view client_addr, const CidrList& internal_hosts) {
    if (!auth_authen.empty()) return {true, "auth=" + std::string(auth_authen)};
    if (!client_addr.empty() && internal_hosts.contains(client_addr))
        return {true, "internal client " + std::string(client_addr)};
    return {false, "inbound"};
}

SignPlan plan_signing(const FromResult& from, const SigningTable& table) {
    SignPlan plan;
    if (!from.ok) {
        plan.reason = from.problem;
        return plan;
    }
    plan.domain = from.domain;
    auto choice = table.choose(from.domain);
    if (!choice.matched) {
        plan.reason = "no signing key for " + from.domain;
        return plan;
    }
    if (choice.keys.empty()) {
        plan.reason = "no active key for " + from.domain + " (all keys of " + *choice.matched + " are standby)";
        return plan;
    }
    for (const auto* key : choice.keys) {
        if (key->key) plan.keys.push_back(key);
    }
    if (plan.keys.empty()) plan.reason = "the keys of " + *choice.matched + " are not loaded";
    return plan;
}

}  // namespace sw::dkim
