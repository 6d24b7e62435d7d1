// Matching limits to a request's identities; see limit_policy.hpp.
#include "core/limits/limit_policy.hpp"

#include "core/util/strings.hpp"

namespace sw::limits {
namespace {

std::size_t slot_index(Scope s, Metric m) { return static_cast<std::size_t>(s) * 3 + static_cast<std::size_t>(m); }

// FNV-1a, for members too long to be an LMDB key (511 bytes at most).
std::string short_hash(std::string_view s) {
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
    char buf[20];
    std::snprintf(buf, sizeof buf, "#%016llx", static_cast<unsigned long long>(h));
    return buf;
}

}  // namespace

LimitPolicy::LimitPolicy(std::vector<LimitRule> rules) : rules_(std::move(rules)) {
    for (const auto& r : rules_) {
        auto& slot = slots_[slot_index(r.scope, r.metric)];
        if (r.wildcard()) slot.wildcard.push_back(&r);
        else if (r.scope == Scope::Client) slot.networks.push_back(&r);
        else slot.specific[r.selector].push_back(&r);
    }
}

void LimitPolicy::match_slot(const Slot& slot, std::string_view member, const std::optional<IpPrefix>& client,
                             std::vector<MatchedLimit>& out) const {
    std::size_t before = out.size();
    if (client) {
        for (const auto* r : slot.networks)
            if (r->client_net->contains(*client)) out.push_back({r, r->selector});
    } else if (!slot.specific.empty()) {
        if (auto it = slot.specific.find(member); it != slot.specific.end())
            for (const auto* r : it->second) out.push_back({r, r->selector});
    }
    if (out.size() > before) return;  // specific rules replace the wildcard ones
    for (const auto* r : slot.wildcard) out.push_back({r, member});
}

void LimitPolicy::match(const Subject& who, std::vector<MatchedLimit>& out) const {
    static const std::string global_member = "*";
    // A Subject filled without set_client(): derive the text here.
    thread_local std::string derived;
    const std::string* client_member = &who.client_member;
    if (who.client && who.client_member.empty()) {
        derived = who.client->to_string();
        client_member = &derived;
    }
    for (std::size_t m = 0; m < kMetrics; ++m) {
        auto metric = static_cast<Metric>(m);
        if (!who.user.empty()) match_slot(slots_[slot_index(Scope::User, metric)], who.user, std::nullopt, out);
        if (!who.org.empty()) match_slot(slots_[slot_index(Scope::Org, metric)], who.org, std::nullopt, out);
        if (who.client) match_slot(slots_[slot_index(Scope::Client, metric)], *client_member, who.client, out);
        match_slot(slots_[slot_index(Scope::Global, metric)], global_member, std::nullopt, out);
    }
}

void bucket_key_into(std::string& key, const LimitRule& rule, std::string_view member) {
    // The prefix is built once per rule at parse time: this runs per request.
    key.clear();
    if (rule.key_prefix.empty()) key += rule_key_prefix(rule);  // a rule not made by parse_limits()
    key += rule.key_prefix;
    if (member.size() > 300) key += short_hash(member);
    else key += member;
}

std::string bucket_key(const LimitRule& rule, std::string_view member) {
    std::string key;
    bucket_key_into(key, rule, member);
    return key;
}

}  // namespace sw::limits
