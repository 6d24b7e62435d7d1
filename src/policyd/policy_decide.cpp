// PolicyDecider; see policy_decide.hpp.
#include "policyd/policy_decide.hpp"

#include <boost/algorithm/string/replace.hpp>

#include <ctime>

#include "core/log/decision_log.hpp"
#include "core/log/msg.hpp"
#include "core/util/strings.hpp"

namespace sw::policyd {
namespace {

bool starts_with_status(const std::string& text) { return limits::enhanced_status_length(text) > 0; }

std::string lower(std::string_view s) { return to_lower(s); }

}  // namespace

std::string action_reply(limits::Action action, const std::string& text) {
    switch (action) {
        case limits::Action::Defer:
            return starts_with_status(text) ? "450 " + text : "450 4.7.1 " + text;
        case limits::Action::Reject:
            return starts_with_status(text) ? "550 " + text : "550 5.7.1 " + text;
        case limits::Action::Hold: return "HOLD " + text;
        case limits::Action::Warn: return "WARN " + text;
    }
    return "DUNNO";
}

limits::Subject subject_of(const PolicyRequest& req, const config::Config& cfg, const config::Policy& policy) {
    limits::Subject who;
    const auto& mode = cfg.limits_user_identity;
    if (mode != "sender" && !req.sasl_username.empty()) who.user = lower(req.sasl_username);
    else if (mode != "sasl" && !req.sender.empty()) who.user = lower(req.sender);
    if (!who.user.empty()) who.org = policy.orgs.org_of(who.user, cfg.global_default_org);
    else who.org = cfg.global_default_org;
    if (!req.client_address.empty() && req.client_address != "unknown")
        who.set_client(IpPrefix::client_network(req.client_address, static_cast<int>(cfg.limits_client_ipv4_prefix),
                                              static_cast<int>(cfg.limits_client_ipv6_prefix)));
    return who;
}

std::string PolicyDecider::decide(const PolicyRequest& req) {
    ++stats_.requests;
    limits::Stage stage;
    std::string_view stage_name;
    if (req.protocol_state == "RCPT") {
        stage = limits::Stage::Rcpt;
        stage_name = "RCPT";
    } else if (req.protocol_state == "END-OF-MESSAGE") {
        stage = limits::Stage::EndOfMessage;
        stage_name = "END-OF-MESSAGE";
    } else {
        // CONNECT, HELO, MAIL, DATA, VRFY, ETRN: nothing to count there.
        ++stats_.dunno;
        return "DUNNO";
    }
    const auto& cfg = *view_.config;
    const auto& policy = *view_.policy;
    auto who = subject_of(req, cfg, policy);
    std::uint64_t size = parse_uint(req.size).value_or(0);
    limits::LimitSettings settings{cfg.limits_approaching_fraction, cfg.limits_dry_run};
    Micros now = clock_.now();
    if (stage == limits::Stage::Rcpt) {
        if (auto refused = check_suppressed(req, who, now)) return *refused;
        if (auto held = check_paused(req, who)) return *held;
    }
    auto decision = limits::check_limits(policy.limits, settings, who, stage, size, store_, now);
    if (!decision) return on_store_error(decision.error());

    if (!decision->events.empty()) {
        if (auto r = events_.append(decision->events); !r) msg_error("cannot record limit events: %s", r.error().c_str());
        for (const auto& e : decision->events) {
            if (e.type == "limit_approaching")
                msg_info("%s: approaching: limit=%s rate=%s burst=%s tokens_left=%s org=%s",
                         req.queue_id.empty() ? "NOQUEUE" : std::string(req.queue_id).c_str(),
                         e.body["bucket"].get<std::string>().c_str(), e.body["rate"].get<std::string>().c_str(),
                         e.body["burst"].dump().c_str(), e.body["tokens"].dump().c_str(),
                         e.org.empty() ? "-" : e.org.c_str());
        }
    }
    for (const auto& hit : decision->hits) {
        if (!hit.dry_run) continue;
        ++stats_.dry_run_hits;
        std::string text = hit.rule->reply_text.empty() ? limits::default_reply_text(hit) : hit.rule->reply_text;
        log_hit(req, hit, limits::action_name(hit.rule->action), stage_name, action_reply(hit.rule->action, text), who,
                true);
    }
    std::string answer = act(req, *decision, stage_name, who);
    if (stage == limits::Stage::EndOfMessage && (answer == "DUNNO" || answer.rfind("WARN ", 0) == 0))
        record_sent(req, who, now);
    return answer;
}

std::optional<std::string> PolicyDecider::check_paused(const PolicyRequest& req, const limits::Subject& who) {
    if (!sending_.org_states || who.org.empty()) return std::nullopt;
    auto state = sending_.org_states->get(who.org);
    if (state.mode != reputation::OrgMode::Paused) return std::nullopt;
    const auto& cfg = *view_.config;
    std::string action = cfg.reputation_pause_action;
    if (auto o = view_.policy->org_settings.of(who.org).pause_action) action = *o;
    std::string text = cfg.reputation_paused_reply;
    boost::algorithm::replace_all(text, "{org}", who.org);
    boost::algorithm::replace_all(text, "{reason}", state.reason);
    std::string reply;
    if (action == "defer") {
        reply = action_reply(limits::Action::Defer, text);
        ++stats_.defer;
    } else {
        reply = action_reply(limits::Action::Hold, text);
        ++stats_.hold;
    }
    ++stats_.paused;
    log::DecisionLine line;
    line.queue_id = req.queue_id;
    line.action = action == "defer" ? "defer" : "hold";
    line.stage = "RCPT";
    line.client_name = req.client_name;
    line.client_address = req.client_address;
    line.reply = reply;
    line.fields.emplace_back("user", who.user.empty() ? "-" : who.user);
    line.fields.emplace_back("org", who.org);
    line.fields.emplace_back("paused", state.by.empty() ? "yes" : state.by);
    line.sender = req.sender;
    line.recipient = req.recipient;
    msg_info("%s", log::format_decision(line).c_str());
    return reply;
}

void PolicyDecider::record_sent(const PolicyRequest& req, const limits::Subject& who, Micros now) {
    std::int64_t secs = now / kMicrosPerSecond;
    std::uint64_t rcpts = parse_uint(req.recipient_count).value_or(0);
    if (sending_.sent && !req.queue_id.empty()) {
        sent::SentMessage m;
        m.queue_id = std::string(req.queue_id);
        m.time = secs;
        m.user = who.user;
        m.org = who.org;
        m.sender = lower(req.sender);
        m.recipients = rcpts;
        if (auto r = sending_.sent->record_sent(m); !r) return (void)on_store_error(r.error());
        ++stats_.sent_recorded;
    }
    if (sending_.counters) {
        reputation::Counts c;
        c.sent = 1;
        c.rcpts = rcpts;
        if (auto r = sending_.counters->add(who.org, secs, c); !r) (void)on_store_error(r.error());
    }
}

std::optional<std::string> PolicyDecider::check_suppressed(const PolicyRequest& req, const limits::Subject& who,
                                                           Micros now) {
    if (!suppressions_ || req.recipient.empty()) return std::nullopt;
    auto rcpt = suppress::normalize_address(req.recipient,
                                            suppress::local_part_case(view_.config->suppress_local_part_case));
    if (!rcpt) return std::nullopt;  // not an address we could have stored
    auto hit = suppressions_->match(who.org, *rcpt, now / kMicrosPerSecond);
    if (!hit) return std::nullopt;
    ++stats_.reject;
    ++stats_.suppressed;
    char date[16] = "?";
    std::time_t created = hit->created;
    std::tm tm{};
    if (gmtime_r(&created, &tm)) std::strftime(date, sizeof date, "%Y-%m-%d", &tm);
    std::string reason(suppress::to_string(hit->reason));
    for (char& c : reason)
        if (c == '-') c = ' ';
    std::string reply = view_.config->policyd_suppressed_reply;
    boost::algorithm::replace_all(reply, "{reason}", reason);
    boost::algorithm::replace_all(reply, "{date}", std::string(date));
    boost::algorithm::replace_all(reply, "{address}", rcpt->key());
    log::DecisionLine line;
    line.queue_id = req.queue_id;
    line.action = "reject";
    line.stage = "RCPT";
    line.client_name = req.client_name;
    line.client_address = req.client_address;
    line.reply = reply;
    line.fields.emplace_back("user", who.user.empty() ? "-" : who.user);
    line.fields.emplace_back("org", who.org.empty() ? "-" : who.org);
    line.fields.emplace_back("suppressed", hit->address);
    line.fields.emplace_back("scope", hit->org.empty() ? "global" : "org:" + hit->org);
    line.fields.emplace_back("reason", std::string(suppress::to_string(hit->reason)));
    line.sender = req.sender;
    line.recipient = req.recipient;
    msg_info("%s", log::format_decision(line).c_str());
    return reply;
}

std::string PolicyDecider::act(const PolicyRequest& req, const limits::LimitDecision& d, std::string_view stage,
                               const limits::Subject& who) {
    if (!d.deciding) {
        ++stats_.dunno;
        return "DUNNO";
    }
    const auto& hit = *d.deciding;
    const auto& rule = *hit.rule;
    switch (rule.action) {
        case limits::Action::Defer: ++stats_.defer; break;
        case limits::Action::Reject: ++stats_.reject; break;
        case limits::Action::Hold: ++stats_.hold; break;
        case limits::Action::Warn: ++stats_.warn; break;
    }
    std::string text = rule.reply_text.empty() ? limits::default_reply_text(hit) : rule.reply_text;
    std::string reply = action_reply(rule.action, text);
    log_hit(req, hit, limits::action_name(rule.action), stage, reply, who, false);
    return reply;
}

void PolicyDecider::log_hit(const PolicyRequest& req, const limits::LimitHit& hit, std::string_view action,
                            std::string_view stage, const std::string& reply, const limits::Subject& who,
                            bool dry_run) {
    const auto& rule = *hit.rule;
    log::DecisionLine line;
    line.queue_id = req.queue_id;
    line.action = action;
    line.stage = stage;
    line.client_name = req.client_name;
    line.client_address = req.client_address;
    line.reply = reply;
    line.fields.emplace_back("user", who.user.empty() ? "-" : who.user);
    line.fields.emplace_back("org", who.org.empty() ? "-" : who.org);
    line.fields.emplace_back("limit", std::string(limits::scope_name(rule.scope)) + ":" + hit.member + ":" +
                                          std::string(limits::metric_name(rule.metric)));
    line.fields.emplace_back("rate", rule.rate_text);
    line.fields.emplace_back("burst", std::to_string(rule.bucket.burst));
    line.fields.emplace_back("rule", rule.origin);
    if (dry_run) line.fields.emplace_back("dry_run", "yes");
    line.sender = req.sender;
    line.recipient = req.recipient;
    msg_info("%s", log::format_decision(line).c_str());
}

std::string PolicyDecider::on_store_error(const std::string& what) {
    ++stats_.store_errors;
    Micros now = clock_.now();
    // One line per 10 s at most: a broken store must not flood the log.
    if (now - last_error_log_ >= 10 * kMicrosPerSecond) {
        last_error_log_ = now;
        msg_error("%s; answering on_error = %s (%llu store errors so far)", what.c_str(),
                  view_.config->policyd_on_error.c_str(), static_cast<unsigned long long>(stats_.store_errors));
    }
    const auto& a = view_.config->policyd_on_error;
    return a == "disconnect" ? std::string() : a;
}

std::string PolicyDecider::on_bad_request(const std::string& peer, const std::string& what) {
    ++stats_.bad_requests;
    const auto& a = view_.config->policyd_on_error;
    msg_warn("bad request from %s: %s; %s", peer.c_str(), what.c_str(),
             a == "disconnect" ? "disconnecting" : ("answering " + a).c_str());
    return a == "disconnect" ? std::string() : a;
}

}  // namespace sw::policyd
