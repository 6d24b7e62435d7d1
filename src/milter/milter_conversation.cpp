// MilterConversation; see milter_conversation.hpp. We ask for no replies to
// HELO, headers, end of headers and body chunks (fewer round trips), for no
// RCPT, DATA or unknown-command events, and for the macros we read only
// ({auth_authen} at MAIL, the queue id i at end of headers and end of
// message); where the MTA does not offer a step we answer "continue" to it.
#include "milter/milter_conversation.hpp"

#include <arpa/inet.h>

#include "core/log/msg.hpp"

namespace sw::milter {
namespace {

constexpr std::uint32_t kActions = wire::action::AddHeaders | wire::action::ChangeHeaders;
constexpr std::uint32_t kNoReply = wire::step::NoReplyHelo | wire::step::NoReplyHeader |
                                   wire::step::NoReplyEndOfHeaders | wire::step::NoReplyBody;
constexpr std::uint32_t kSkip = wire::step::NoRcpt | wire::step::NoData | wire::step::NoUnknown;

// Index into the per-stage macro table of the command a macro packet precedes.
int stage_of(char command) {
    switch (command) {
    case wire::command::Connect: return 0;
    case wire::command::Helo: return 1;
    case wire::command::Mail: return 2;
    case wire::command::Rcpt: return 3;
    case wire::command::Data: return 4;
    case wire::command::EndOfMessage: return 5;
    case wire::command::EndOfHeaders: return 6;
    default: return -1;
    }
}

// The client address in canonical text; an IPv4-mapped IPv6 address as IPv4.
std::string client_address(const wire::ConnectInfo& c) {
    if (c.family == '4') {
        in_addr a{};
        char buf[INET_ADDRSTRLEN];
        if (inet_pton(AF_INET, c.address.c_str(), &a) == 1 && inet_ntop(AF_INET, &a, buf, sizeof buf)) return buf;
    } else if (c.family == '6') {
        in6_addr a{};
        char buf[INET6_ADDRSTRLEN];
        if (inet_pton(AF_INET6, c.address.c_str(), &a) == 1) {
            if (IN6_IS_ADDR_V4MAPPED(&a)) {
                if (inet_ntop(AF_INET, &a.s6_addr[12], buf, sizeof buf)) return buf;
            } else if (inet_ntop(AF_INET6, &a, buf, sizeof buf)) {
                return buf;
            }
        }
    }
    return {};  // unix socket, unknown, or not an address: no address-based decisions
}

}  // namespace

MilterConversation::MilterConversation(MilterRuntime& runtime, std::string peer)
    : runtime_(runtime), peer_(std::move(peer)) {}

bool MilterConversation::may_block(const wire::Frame& f) const {
    if (f.command != wire::command::Mail || !session_) return false;
    return session_->mail_may_block(macro("auth_authen"));
}

void MilterConversation::failed(const char* step, const std::exception& e) {
    msg_error("%s: %s: internal error: %s; client=%s", macro("i").empty() ? "NOQUEUE" : macro("i").c_str(), step,
              e.what(), session_ ? session_->client_addr().c_str() : peer_.c_str());
}

MilterConversation::Next MilterConversation::handle(const wire::Frame& f, std::string& out) {
    using namespace wire::command;
    if (f.command == Negotiate) return negotiate(f.data, out);
    if (!negotiated_) {
        msg_warn("%s: milter command '%c' before option negotiation: closing", peer_.c_str(),
                 (f.command >= 0x20 && f.command < 0x7f) ? f.command : '?');
        return Next::Close;
    }
    try {
        switch (f.command) {
        case Macro: store_macros(f.data); return Next::Go;
        case Connect: connect(f.data, out); return Next::Go;
        case Helo: {
            auto args = wire::split_strings(f.data);
            if (session_) session_->helo(args.empty() ? std::string_view() : args[0]);
            if (replies(wire::step::NoReplyHelo)) wire::put_reply(out, wire::reply::Continue);
            return Next::Go;
        }
        case Mail: {
            // (the macros of this MAIL came just before it; those of the
            // previous message went at its end of message or abort)
            failed_ = false;
            auto args = wire::split_strings(f.data);
            if (!session_) {
                wire::put_reply(out, wire::reply::Continue);
                return Next::Go;
            }
            answer(session_->mail_from(args.empty() ? std::string_view() : args[0], macro("auth_authen")), out);
            return Next::Go;
        }
        case Header: {
            auto parts = wire::split_strings(f.data);
            if (session_ && !parts.empty())
                session_->header(parts[0], parts.size() > 1 ? parts[1] : std::string_view());
            if (replies(wire::step::NoReplyHeader)) wire::put_reply(out, wire::reply::Continue);
            return Next::Go;
        }
        case EndOfHeaders:
            if (session_) session_->end_of_headers(macro("i"));
            if (replies(wire::step::NoReplyEndOfHeaders)) wire::put_reply(out, wire::reply::Continue);
            return Next::Go;
        case Body:
            if (session_) session_->body(reinterpret_cast<const unsigned char*>(f.data.data()), f.data.size());
            if (replies(wire::step::NoReplyBody)) wire::put_reply(out, wire::reply::Continue);
            return Next::Go;
        case EndOfMessage:
            // sendmail may send the last body chunk with it; Postfix sends none.
            if (session_ && !f.data.empty())
                session_->body(reinterpret_cast<const unsigned char*>(f.data.data()), f.data.size());
            end_of_message(out);
            return Next::Go;
        case Abort:
            if (session_) session_->abort();
            clear_message_macros();
            return Next::Go;
        case Rcpt:
        case Data:
        case Unknown:
            // Not asked for; answered if the MTA sends them anyway.
            wire::put_reply(out, wire::reply::Continue);
            return Next::Go;
        case QuitNewConnection:
            // The MTA reuses the connection for a new SMTP session.
            session_.reset();
            for (auto& m : macros_) m.clear();
            return Next::Go;
        case Quit: return Next::Close;
        default:
            msg_warn("%s: unknown milter command 0x%02x: closing", peer_.c_str(),
                     static_cast<unsigned>(static_cast<unsigned char>(f.command)));
            return Next::Close;
        }
    } catch (const std::exception& e) {
        failed(f.command == Mail ? "mail" : f.command == EndOfMessage ? "eom" : "event", e);
        // Events that expect a reply get on_error now; the others at end of message.
        if (f.command == Mail || f.command == EndOfMessage || f.command == Connect) {
            if (session_) answer(session_->on_error(), out);
            else wire::put_reply(out, wire::reply::Tempfail);
            if (f.command == EndOfMessage && session_) session_->abort();
        } else {
            failed_ = true;
            if ((f.command == Helo && replies(wire::step::NoReplyHelo)) ||
                (f.command == Header && replies(wire::step::NoReplyHeader)) ||
                (f.command == EndOfHeaders && replies(wire::step::NoReplyEndOfHeaders)) ||
                (f.command == Body && replies(wire::step::NoReplyBody)))
                wire::put_reply(out, wire::reply::Continue);
        }
        return Next::Go;
    }
}

MilterConversation::Next MilterConversation::negotiate(std::string_view data, std::string& out) {
    auto n = wire::parse_negotiation(data);
    if (!n || n->version < 2) {
        msg_error("%s: bad milter option negotiation from the MTA: closing", peer_.c_str());
        return Next::Close;
    }
    if ((n->actions & kActions) != kActions) {
        msg_error("%s: the MTA does not allow adding and changing headers; check milter_protocol (6): closing",
                  peer_.c_str());
        return Next::Close;
    }
    wire::Negotiation ours;
    ours.version = std::min(n->version, wire::kProtocolVersion);
    ours.actions = kActions;
    ours.steps = (kNoReply | kSkip) & n->steps;
    steps_ = ours.steps;
    negotiated_ = true;
    std::vector<std::pair<std::uint32_t, std::string>> macros;
    if (ours.version >= 6)
        macros = {{wire::stage::Mail, "{auth_authen}"}, {wire::stage::EndOfHeaders, "i"},
                  {wire::stage::EndOfMessage, "i"}};
    wire::put_negotiation(out, ours, macros);
    return Next::Go;
}

void MilterConversation::connect(std::string_view data, std::string& out) {
    auto info = wire::parse_connect(data);
    if (!info) {
        msg_warn("%s: malformed milter connect event: treated as an unknown client", peer_.c_str());
        info = wire::ConnectInfo{};
        info->host_name = "unknown";
    }
    session_.reset();  // a repeated connect (after QUIT_NC, or not) starts a new session
    failed_ = false;
    session_ = std::make_unique<MilterSession>(runtime_, info->host_name.empty() ? "unknown" : info->host_name,
                                               client_address(*info));
    answer(session_->connect(), out);
}

void MilterConversation::answer(const Answer& a, std::string& out) {
    switch (a.verdict) {
    case Verdict::Continue: wire::put_reply(out, wire::reply::Continue); return;
    case Verdict::Accept: wire::put_reply(out, wire::reply::Accept); return;
    case Verdict::Reject:
    case Verdict::Tempfail:
        if (!a.rcode.empty()) wire::put_reply_code(out, a.rcode, a.xcode, a.text);
        else wire::put_reply(out, a.verdict == Verdict::Reject ? wire::reply::Reject : wire::reply::Tempfail);
        return;
    }
}

void MilterConversation::end_of_message(std::string& out) {
    if (!session_) {
        wire::put_reply(out, wire::reply::Continue);
        return;
    }
    if (failed_) {
        session_->abort();
        failed_ = false;
        answer(session_->on_error(), out);
        clear_message_macros();
        return;
    }
    EomResult r = session_->end_of_message(macro("i"));
    for (const auto& e : r.edits) {
        if (e.insert) wire::put_insert_header(out, 0, e.name, e.value);
        else wire::put_change_header(out, static_cast<std::uint32_t>(e.index), e.name, "");
    }
    answer(r.answer, out);
    clear_message_macros();
}

void MilterConversation::store_macros(std::string_view data) {
    auto set = wire::parse_macros(data);
    if (!set) return;
    int stage = stage_of(set->for_command);
    if (stage < 0) return;
    auto& slot = macros_[static_cast<std::size_t>(stage)];
    slot.clear();
    for (const auto& [name, value] : set->values) slot.emplace_back(std::string(name), std::string(value));
}

void MilterConversation::clear_message_macros() {
    for (std::size_t i = 2; i < macros_.size(); ++i) macros_[i].clear();
}

std::string MilterConversation::macro(std::string_view name) const {
    // Latest stage first: end of message, end of headers, data, rcpt, mail, helo, connect.
    static constexpr int kOrder[] = {5, 6, 4, 3, 2, 1, 0};
    for (int stage : kOrder)
        for (const auto& [n, v] : macros_[static_cast<std::size_t>(stage)])
            if (n == name) return v;
    return {};
}

}  // namespace sw::milter
