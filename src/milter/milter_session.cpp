// MilterSession; see milter_session.hpp. Order of work per message:
// MAIL FROM decides outbound/inbound and, inbound, checks SPF (RFC 7208 §2.4:
// HELO identity for the null sender); headers are kept until end of headers,
// when the From: domain picks the keys (signing starts then and the body is
// streamed into libopendkim); end of message adds the signatures or the SPF
// trace fields and removes forged Authentication-Results (RFC 8601 §5).
#include "milter/milter_session.hpp"

#include "core/sent/sent_index.hpp"

#include "core/authres/auth_headers.hpp"
#include "core/log/decision_log.hpp"
#include "core/log/msg.hpp"
#include "core/sent/sent_index.hpp"
#include "core/util/strings.hpp"

namespace sw::milter {
namespace {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

std::string_view or_noqueue(std::string_view id) { return id.empty() ? std::string_view("NOQUEUE") : id; }

void count_spf(MilterStats& s, spf::Result r) {
    switch (r) {
    case spf::Result::pass: ++s.spf_pass; break;
    case spf::Result::fail: ++s.spf_fail; break;
    case spf::Result::softfail: ++s.spf_softfail; break;
    case spf::Result::neutral: ++s.spf_neutral; break;
    case spf::Result::none: ++s.spf_none; break;
    case spf::Result::temperror: ++s.spf_temperror; break;
    case spf::Result::permerror: ++s.spf_permerror; break;
    }
}

}  // namespace

MilterSession::MilterSession(MilterRuntime& runtime, std::string client_name, std::string client_addr)
    : runtime_(runtime),
      state_(runtime.state()),
      client_name_(std::move(client_name)),
      client_addr_(std::move(client_addr)) {}

Answer MilterSession::refuse(Verdict v, std::string rcode, std::string xcode, std::string text, std::string_view stage,
                             std::string_view queue_id,
                             std::vector<std::pair<std::string_view, std::string>> fields) {
    Answer a{v, std::move(rcode), std::move(xcode), std::move(text)};
    std::string reply = a.rcode + " " + a.xcode + " " + a.text;
    log::DecisionLine line;
    line.queue_id = queue_id;
    line.action = v == Verdict::Reject ? "reject" : "defer";
    line.stage = stage;
    line.client_name = client_name_;
    line.client_address = client_addr_;
    line.reply = reply;
    line.fields = std::move(fields);
    if (message_) line.sender = message_->mail_from;
    msg_info("%s", log::format_decision(line).c_str());
    if (v == Verdict::Reject) ++runtime_.stats().rejected;
    else ++runtime_.stats().tempfailed;
    return a;
}

Answer MilterSession::connect() {
    ++runtime_.stats().sessions;
    limits::Refusal why;
    connection_slot_ = runtime_.caps().open_connection(client_addr_, why);
    if (connection_slot_) return {};
    ++runtime_.stats().sessions_refused;
    std::string text = why.scope == "global"
                           ? "Too many concurrent SMTP sessions (" + std::to_string(why.limit) + "); try again later"
                           : "Too many concurrent SMTP sessions from " + why.who + " (" +
                                 std::to_string(why.limit) + "); try again later";
    return refuse(Verdict::Tempfail, "421", "4.7.0", text, "CONNECT", "",
                  {{"limit", why.scope == "global" ? "max_sessions" : "max_sessions_per_client"},
                   {"limit_value", std::to_string(why.limit)}});
}

void MilterSession::helo(std::string_view name) { helo_ = std::string(name); }

Answer MilterSession::mail_from(std::string_view address, std::string_view auth_authen) {
    // Not emplace(): clang 14 judges the nested Message, whose members have
    // default initializers, not default-constructible (seen in the fuzz build).
    message_.emplace(Message{});
    Message& m = *message_;
    std::string addr(trim(address));
    if (addr.size() >= 2 && addr.front() == '<' && addr.back() == '>') addr = addr.substr(1, addr.size() - 2);
    m.mail_from = addr;
    ++runtime_.stats().messages;

    if (!auth_authen.empty() && !user_slot_) {
        limits::Refusal why;
        user_slot_ = runtime_.caps().open_user(auth_authen, why);
        if (!user_slot_) {
            ++runtime_.stats().sessions_refused;
            return refuse(Verdict::Tempfail, "451", "4.7.1",
                          "Too many concurrent SMTP sessions for " + std::string(auth_authen) + " (" +
                              std::to_string(why.limit) + "); try again later",
                          "MAIL", "",
                          {{"user", std::string(auth_authen)}, {"limit", "max_sessions_per_user"},
                           {"limit_value", std::to_string(why.limit)}});
        }
        user_ = std::string(auth_authen);
    }
    m.direction = dkim::classify(auth_authen, client_addr_, state_->internal_hosts);
    if (m.direction.outbound) return {};
    return check_spf(m);
}

bool MilterSession::mail_may_block(std::string_view auth_authen) const {
    return state_->spf && !dkim::classify(auth_authen, client_addr_, state_->internal_hosts).outbound;
}

Answer MilterSession::check_spf(Message& m) {
    if (!state_->spf) return {};
    spf::Request req;
    req.ip = client_addr_;
    req.mail_from = m.mail_from;
    req.helo = helo_;
    req.receiver = state_->receiver;
    spf::Verdict v = state_->spf->check(req);
    count_spf(runtime_.stats(), v.result);
    m.spf_request = std::move(req);
    m.spf_verdict = v;

    SpfAction action = SpfAction::Tag;
    std::string rcode, xcode, text;
    // Only refusals need the words (pass, none, ... are the common case).
    auto who = [&] {
        return v.identity == "helo" ? "helo " + helo_
                                    : "domain of " + (m.mail_from.empty() ? "postmaster@" + helo_ : m.mail_from);
    };
    switch (v.result) {
    case spf::Result::fail:
        action = state_->fail_action;
        xcode = action == SpfAction::Reject ? "5.7.23" : "4.7.23";
        text = !v.explanation.empty() ? "SPF fail: " + v.explanation
                                      : "SPF fail: " + who() + " does not designate " + client_addr_ + " as permitted sender";
        break;
    case spf::Result::permerror:
        action = state_->permerror_action;
        xcode = action == SpfAction::Reject ? "5.7.24" : "4.7.24";
        text = "SPF permerror: the SPF record of " + who() + " is broken" + (v.problem.empty() ? "" : ": " + v.problem);
        break;
    case spf::Result::temperror:
        action = state_->temperror_action;
        xcode = "4.7.24";
        text = "SPF temperror: could not check the " + who() + "; try again later";
        break;
    default: break;
    }
    if (action == SpfAction::Tag) return {};
    std::vector<std::pair<std::string_view, std::string>> fields{
        {"spf", std::string(spf::to_string(v.result))}, {"identity", v.identity}, {"domain", v.domain}};
    if (!v.problem.empty()) fields.emplace_back("problem", v.problem);
    if (action == SpfAction::Reject) return refuse(Verdict::Reject, "550", xcode, text, "MAIL", "", std::move(fields));
    return refuse(Verdict::Tempfail, "451", xcode, text, "MAIL", "", std::move(fields));
}

void MilterSession::header(std::string_view name, std::string_view value) {
    if (!message_) return;
    Message& m = *message_;
    if (iequals(name, "From")) m.from_values.emplace_back(value);
    if (m.direction.outbound && m.message_id.empty() && iequals(name, "Message-ID"))
        m.message_id = sent::normalize_message_id(value);
    if (iequals(name, "Authentication-Results")) {
        ++m.ar_seen;
        if (!m.direction.outbound && authres::authserv_id_of(value) == state_->authserv_id)
            m.forged_ar.push_back(m.ar_seen);
    }
    if (m.direction.outbound) m.headers.emplace_back(std::string(name), std::string(value));
}

void MilterSession::start_signing(Message& m, std::string_view queue_id) {
    m.plan = dkim::plan_signing(dkim::author_of(m.from_values), *state_->signing);
    if (m.plan.keys.empty()) return;
    auto signer = dkim::start_signer(state_->dkim_engine, &runtime_.dkim(), queue_id, m.plan.keys, std::time(nullptr));
    if (!signer) {
        m.error = signer.error();
        return;
    }
    for (const auto& [name, value] : m.headers) {
        if (auto ok = (*signer)->header(name, value); !ok) {
            m.error = ok.error();
            return;
        }
    }
    if (auto ok = (*signer)->end_of_headers(); !ok) {
        m.error = ok.error();
        return;
    }
    m.signer = std::move(*signer);
}

void MilterSession::end_of_headers(std::string_view queue_id) {
    if (!message_) return;
    Message& m = *message_;
    if (m.direction.outbound) start_signing(m, queue_id);
    m.headers.clear();
    m.headers.shrink_to_fit();
}

void MilterSession::body(const unsigned char* data, std::size_t len) {
    if (!message_ || !message_->signer || !message_->error.empty()) return;
    if (auto ok = message_->signer->body(data, len); !ok) message_->error = ok.error();
}

EomResult MilterSession::end_of_message(std::string_view queue_id) {
    EomResult out;
    if (!message_) return out;
    Message& m = *message_;
    std::string_view qid = or_noqueue(queue_id);
    auto& stats = runtime_.stats();

    // The Message-ID joins policyd's record of this queue id: bounces and
    // complaints that quote only the Message-ID find their org by it.
    if (m.direction.outbound && !m.message_id.empty() && !queue_id.empty())
        if (auto* index = runtime_.sent_index())
            if (auto r = index->record_message_id(std::string(queue_id), m.message_id, std::time(nullptr)); !r) {
                const auto errors = ++stats.sent_index_errors;
                if (runtime_.take_store_warning(std::time(nullptr)))
                    msg_warn("%.*s: sent index: %s (%llu failed so far; at most one warning per 10 s)",
                             static_cast<int>(qid.size()), qid.data(), r.error().c_str(),
                             static_cast<unsigned long long>(errors));
            }

    if (m.direction.outbound) {
        if (m.error.empty() && m.signer) {
            auto sigs = m.signer->finish();
            if (!sigs) m.error = sigs.error();
            else {
                std::string what;
                for (std::size_t i = 0; i < sigs->size(); ++i) {
                    const auto* key = m.plan.keys[i];
                    out.edits.push_back({true, "DKIM-Signature", std::move((*sigs)[i]), 0});
                    what += (what.empty() ? "" : ", ") + std::string("d=") + key->signing_domain + " s=" +
                            key->selector + " a=" + std::string(dkim::to_string(key->algorithm));
                }
                ++stats.signed_messages;
                stats.signatures += sigs->size();
                msg_info("%.*s: signed: %s; %s from=<%s>", static_cast<int>(qid.size()), qid.data(), what.c_str(),
                         m.direction.why.c_str(), m.mail_from.c_str());
            }
        } else if (m.error.empty()) {
            ++stats.unsigned_outbound;
            msg_info("%.*s: not signed: %s; %s from=<%s>", static_cast<int>(qid.size()), qid.data(),
                     m.plan.reason.c_str(), m.direction.why.c_str(), m.mail_from.c_str());
        }
        if (!m.error.empty()) {
            ++stats.sign_errors;
            msg_error("%.*s: signing failed: %s; from=<%s>", static_cast<int>(qid.size()), qid.data(),
                      m.error.c_str(), m.mail_from.c_str());
            out.answer = on_error();
            if (out.answer.verdict != Verdict::Continue) out.edits.clear();
            message_.reset();
            return out;
        }
    } else if (m.spf_verdict) {
        // Forged fields first (highest occurrence first, so indexes stay valid).
        for (auto it = m.forged_ar.rbegin(); it != m.forged_ar.rend(); ++it) {
            out.edits.push_back({false, "Authentication-Results", "", *it});
            ++stats.forged_ar_removed;
        }
        if (!m.forged_ar.empty())
            msg_warn("%.*s: removed %zu Authentication-Results field(s) claiming authserv-id %s; client=%s",
                     static_cast<int>(qid.size()), qid.data(), m.forged_ar.size(), state_->authserv_id.c_str(),
                     client_addr_.c_str());
        authres::SpfContext ctx{&*m.spf_request, &*m.spf_verdict, state_->receiver};
        out.edits.push_back({true, "Authentication-Results", authres::authentication_results_spf(state_->authserv_id, ctx), 0});
        out.edits.push_back({true, "Received-SPF", authres::received_spf(ctx), 0});
        msg_info("%.*s: spf=%s identity=%s domain=%s client=%s[%s] from=<%s>", static_cast<int>(qid.size()),
                 qid.data(), std::string(spf::to_string(m.spf_verdict->result)).c_str(),
                 m.spf_verdict->identity.c_str(), m.spf_verdict->domain.c_str(), client_name_.c_str(),
                 client_addr_.c_str(), m.mail_from.c_str());
    }
    message_.reset();
    return out;
}

Answer MilterSession::on_error() const {
    ++runtime_.stats().errors;
    if (state_->accept_on_error) return {};
    return {Verdict::Tempfail, "451", "4.3.0", "Mail authentication temporarily unavailable; try again later"};
}

}  // namespace sw::milter
