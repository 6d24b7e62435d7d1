// LimitRule: one line of the `limits` table (DESIGN "Identities and limits"):
//   scope selector metric rate burst action [dry-run] [reply text]
// e.g. `user * messages 5/1m 5 defer`, `org acme recipients 100/1h 20 hold "4.7.1 slow down"`.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/limits/token_bucket.hpp"
#include "core/util/ip_prefix.hpp"

namespace sw::limits {

enum class Scope { User, Org, Client, Global };
enum class Metric { Messages, Recipients, Bytes };
enum class Action { Defer, Reject, Hold, Warn };

std::string_view scope_name(Scope s);
std::string_view metric_name(Metric m);
std::string_view action_name(Action a);

struct LimitRule {
    Scope scope = Scope::User;
    std::string selector;               // "*" or one member
    std::optional<IpPrefix> client_net; // client scope with a specific selector
    Metric metric = Metric::Messages;
    BucketSpec bucket;
    std::string rate_text;              // as written: "5/1m"
    Action action = Action::Defer;
    bool dry_run = false;
    std::string reply_text;             // empty: the default text
    std::string origin;                 // "limits:3", for logs
    std::string key_prefix;             // "user:messages:5/1m:", see bucket_key()

    bool wildcard() const { return selector == "*"; }
    // "user:*:messages" — names the rule in logs and events.
    std::string name() const;
};

// "user:messages:5/1m:": the part of a bucket key that names the rule.
std::string rule_key_prefix(const LimitRule& rule);

// Length of an RFC 3463 enhanced status code ("4.7.1") at the start of
// `text` when one is there and followed by a space or the end; else 0.
std::size_t enhanced_status_length(std::string_view text);

// Parses the table; errors ("name:line: ...") are appended to `errors`.
std::vector<LimitRule> parse_limits(std::istream& in, const std::string& name, std::vector<std::string>& errors);

}  // namespace sw::limits
