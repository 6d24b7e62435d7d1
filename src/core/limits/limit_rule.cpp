// Parsing the `limits` table; see limit_rule.hpp. Each bad line is reported
// with its line number and skipped; a table with errors is never put in
// force by the callers.
#include "core/limits/limit_rule.hpp"

#include <algorithm>

#include "core/config/policy_table.hpp"
#include "core/orgs/org_map.hpp"
#include "core/util/strings.hpp"

namespace sw::limits {

std::string_view scope_name(Scope s) {
    switch (s) {
        case Scope::User: return "user";
        case Scope::Org: return "org";
        case Scope::Client: return "client";
        case Scope::Global: return "global";
    }
    return "?";
}

std::string_view metric_name(Metric m) {
    switch (m) {
        case Metric::Messages: return "messages";
        case Metric::Recipients: return "recipients";
        case Metric::Bytes: return "bytes";
    }
    return "?";
}

std::string_view action_name(Action a) {
    switch (a) {
        case Action::Defer: return "defer";
        case Action::Reject: return "reject";
        case Action::Hold: return "hold";
        case Action::Warn: return "warn";
    }
    return "?";
}

std::string LimitRule::name() const {
    std::string n(scope_name(scope));
    n += ':';
    n += selector;
    n += ':';
    n += metric_name(metric);
    return n;
}

namespace {

std::optional<Scope> parse_scope(std::string_view s) {
    if (s == "user") return Scope::User;
    if (s == "org") return Scope::Org;
    if (s == "client") return Scope::Client;
    if (s == "global") return Scope::Global;
    return std::nullopt;
}

std::optional<Metric> parse_metric(std::string_view s) {
    if (s == "messages") return Metric::Messages;
    if (s == "recipients") return Metric::Recipients;
    if (s == "bytes") return Metric::Bytes;
    return std::nullopt;
}

std::optional<Action> parse_action(std::string_view s) {
    if (s == "defer") return Action::Defer;
    if (s == "reject") return Action::Reject;
    if (s == "hold") return Action::Hold;
    if (s == "warn") return Action::Warn;
    return std::nullopt;
}

// Token counts: plain numbers, and k/m/g for bytes.
std::optional<std::uint64_t> parse_amount(std::string_view s, Metric m) {
    auto v = m == Metric::Bytes ? parse_size(s) : parse_uint(s);
    if (!v || *v == 0) return std::nullopt;
    constexpr std::uint64_t kMax = 1ULL << 50;  // keeps level arithmetic far from overflow
    if (*v > kMax) return std::nullopt;
    return v;
}

}  // namespace

std::string rule_key_prefix(const LimitRule& rule) {
    return std::string(scope_name(rule.scope)) + ":" + std::string(metric_name(rule.metric)) + ":" +
           std::to_string(rule.bucket.rate) + "/" + format_duration(rule.bucket.period) + ":";
}

std::size_t enhanced_status_length(std::string_view text) {
    // class "." subject "." detail, then a space or the end (RFC 3463 §2)
    if (text.size() < 5 || (text[0] != '2' && text[0] != '4' && text[0] != '5') || text[1] != '.') return 0;
    std::size_t i = 2;
    for (int part = 0; part < 2; ++part) {
        std::size_t start = i;
        while (i < text.size() && i - start < 3 && text[i] >= '0' && text[i] <= '9') ++i;
        if (i == start) return 0;
        if (part == 0) {
            if (i >= text.size() || text[i] != '.') return 0;
            ++i;
        }
    }
    if (i < text.size() && text[i] != ' ') return 0;
    return i;
}

namespace {

// Reply text: printable, and an enhanced status code (RFC 3463) in front
// must agree with the action's class.
std::optional<std::string> check_reply(const std::string& text, Action action) {
    if (text.size() > 400) return "reply text longer than 400 bytes";
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) return "control character in reply text";
    }
    if (enhanced_status_length(text) > 0) {
        char want = action == Action::Reject ? '5' : action == Action::Defer ? '4' : text[0];
        if (text[0] != want)
            return std::string("reply text starts with status ") + text[0] + ".x.x but the action is " +
                   std::string(action_name(action));
    }
    return std::nullopt;
}

}  // namespace

std::vector<LimitRule> parse_limits(std::istream& in, const std::string& name, std::vector<std::string>& errors) {
    std::vector<LimitRule> rules;
    auto table = config::read_table(in, name);
    errors.insert(errors.end(), table.errors.begin(), table.errors.end());
    for (const auto& row : table.rows) {
        auto err = [&](const std::string& m) { errors.push_back(config::table_error(name, row.line, m)); };
        const auto& c = row.columns;
        if (c.size() < 6) {
            err("expected 'scope selector metric rate burst action [reply text]', got " + std::to_string(c.size()) +
                " column(s)");
            continue;
        }
        LimitRule r;
        r.origin = name.substr(name.rfind('/') + 1) + ":" + std::to_string(row.line);
        auto scope = parse_scope(c[0]);
        if (!scope) { err("unknown scope '" + c[0] + "' (user, org, client, global)"); continue; }
        r.scope = *scope;

        r.selector = c[1];
        if (r.scope == Scope::Global && r.selector != "*") {
            err("global limits take the selector '*', not '" + c[1] + "'");
            continue;
        }
        if (r.scope == Scope::User && r.selector != "*") r.selector = to_lower(r.selector);
        if (r.scope == Scope::Org && r.selector != "*" && !orgs::valid_org_name(r.selector)) {
            err("bad org name '" + c[1] + "'");
            continue;
        }
        if (r.scope == Scope::Client && r.selector != "*") {
            r.client_net = IpPrefix::parse(c[1]);
            if (!r.client_net) { err("bad client address or network '" + c[1] + "'"); continue; }
            r.selector = r.client_net->to_string();
        }

        auto metric = parse_metric(c[2]);
        if (!metric) { err("unknown metric '" + c[2] + "' (messages, recipients, bytes)"); continue; }
        r.metric = *metric;

        auto slash = c[3].find('/');
        if (slash == std::string::npos) { err("rate '" + c[3] + "' is not N/period (e.g. 100/1h)"); continue; }
        auto n = parse_amount(std::string_view(c[3]).substr(0, slash), r.metric);
        auto period = parse_duration(std::string_view(c[3]).substr(slash + 1));
        if (!n) { err("rate '" + c[3] + "': '" + c[3].substr(0, slash) + "' is not a positive number"); continue; }
        if (!period) { err("rate '" + c[3] + "': '" + c[3].substr(slash + 1) + "' is not a period (30s, 1m, 1h, 1d)"); continue; }
        r.bucket.rate = *n;
        r.bucket.period = *period;
        r.rate_text = c[3];

        auto burst = parse_amount(c[4], r.metric);
        if (!burst) { err("burst '" + c[4] + "' is not a positive number"); continue; }
        r.bucket.burst = *burst;

        auto action = parse_action(c[5]);
        if (!action) { err("unknown action '" + c[5] + "' (defer, reject, hold, warn)"); continue; }
        r.action = *action;

        // Flags, then the reply text (the rest of the line, or one quoted column).
        std::size_t i = 6;
        while (i < c.size() && !row.quoted[i] && (c[i] == "dry-run" || c[i] == "dry_run")) {
            r.dry_run = true;
            ++i;
        }
        std::string text;
        for (; i < c.size(); ++i) {
            if (!text.empty()) text += ' ';
            text += c[i];
        }
        if (auto problem = check_reply(text, r.action)) { err(*problem); continue; }
        r.reply_text = text;
        // Same scope, selector, metric and rate would share one bucket.
        auto same = std::find_if(rules.begin(), rules.end(), [&](const LimitRule& o) {
            return o.scope == r.scope && o.selector == r.selector && o.metric == r.metric &&
                   o.bucket.rate == r.bucket.rate && o.bucket.period == r.bucket.period;
        });
        if (same != rules.end()) {
            err("same scope, selector, metric and rate as " + same->origin + ": merge the two lines");
            continue;
        }
        r.key_prefix = rule_key_prefix(r);
        rules.push_back(std::move(r));
    }
    return rules;
}

}  // namespace sw::limits
