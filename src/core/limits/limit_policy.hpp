// LimitPolicy: the rules of the `limits` table indexed for matching. For each
// scope and metric, rules naming the member itself (a specific selector)
// replace the `*` rules of that scope and metric; `*` rules give each member a
// bucket of its own, a specific rule one bucket for everything it names.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/limits/limit_rule.hpp"
#include "core/util/ip_prefix.hpp"
#include "core/util/strings.hpp"

namespace sw::limits {

// Who a request is, per scope; empty/absent members match no rule there.
struct Subject {
    std::string user;
    std::string org;
    std::optional<IpPrefix> client;  // already truncated to the counting prefix
    std::string client_member;       // client->to_string(); set_client() keeps both in step

    void set_client(std::optional<IpPrefix> net) {
        client = net;
        client_member = net ? net->to_string() : std::string();
    }
};

struct MatchedLimit {
    const LimitRule* rule = nullptr;
    // The bucket's member: the subject's own (a view into the Subject passed
    // to match()) or the rule's selector. Valid while both live.
    std::string_view member;
};

class LimitPolicy {
public:
    LimitPolicy() = default;
    explicit LimitPolicy(std::vector<LimitRule> rules);
    LimitPolicy(const LimitPolicy&) = delete;
    LimitPolicy& operator=(const LimitPolicy&) = delete;
    LimitPolicy(LimitPolicy&&) = default;
    LimitPolicy& operator=(LimitPolicy&&) = default;

    const std::vector<LimitRule>& rules() const { return rules_; }

    // Appends every limit that applies to `who`.
    void match(const Subject& who, std::vector<MatchedLimit>& out) const;

private:
    struct Slot {
        std::vector<const LimitRule*> wildcard;
        std::unordered_map<std::string, std::vector<const LimitRule*>, StringHash, StringEq> specific;  // user, org
        std::vector<const LimitRule*> networks;                                  // client
    };
    static constexpr std::size_t kScopes = 4, kMetrics = 3;
    void match_slot(const Slot& slot, std::string_view member, const std::optional<IpPrefix>& client,
                    std::vector<MatchedLimit>& out) const;

    std::vector<LimitRule> rules_;
    std::array<Slot, kScopes * kMetrics> slots_;
};

// Bucket identity: "<scope>:<metric>:<rate>/<period>:<member>". Two rules of
// one scope and metric with different rates have different buckets; a rule
// whose rate changes starts afresh (full).
std::string bucket_key(const LimitRule& rule, std::string_view member);
// The same, written into `key` (reusing its buffer).
void bucket_key_into(std::string& key, const LimitRule& rule, std::string_view member);

}  // namespace sw::limits
