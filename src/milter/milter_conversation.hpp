// MilterConversation: the milter protocol of one MTA connection, frame by
// frame, over a MilterSession: negotiation, macros, which events get a reply
// (those the MTA let us skip get none), the session's answers and header
// edits as reply frames. No sockets: milter_server.cpp feeds it frames and
// writes what it appends; the tests feed it bytes.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "milter/milter_session.hpp"
#include "milter/milter_wire.hpp"

namespace sw::milter {

class MilterConversation {
public:
    // `peer` names the connection in log lines.
    MilterConversation(MilterRuntime& runtime, std::string peer);

    enum class Next { Go, Close };

    // Handling `f` may wait on DNS (an SPF check at MAIL FROM): the caller
    // runs it away from the event loop.
    bool may_block(const wire::Frame& f) const;

    // Handles one frame; replies are appended to `out`. Close: the MTA said
    // goodbye or broke the protocol (logged).
    Next handle(const wire::Frame& f, std::string& out);

    // No message is in progress (a stop may close the connection now).
    bool between_messages() const { return !session_ || !session_->in_message(); }

private:
    Next negotiate(std::string_view data, std::string& out);
    void connect(std::string_view data, std::string& out);
    void answer(const Answer& a, std::string& out);
    void end_of_message(std::string& out);
    void store_macros(std::string_view data);
    void clear_message_macros();
    std::string macro(std::string_view name) const;
    // Whether the MTA expects a reply to events of this no-reply step bit.
    bool replies(std::uint32_t no_reply_bit) const { return (steps_ & no_reply_bit) == 0; }
    void failed(const char* step, const std::exception& e);

    MilterRuntime& runtime_;
    std::string peer_;
    std::unique_ptr<MilterSession> session_;
    bool negotiated_ = false;
    std::uint32_t steps_ = 0;
    bool failed_ = false;  // an event without a reply failed: answered at end of message
    // Macros by stage (connect, helo, mail, rcpt, data, eom, eoh), as sent.
    std::array<std::vector<std::pair<std::string, std::string>>, 7> macros_;
};

}  // namespace sw::milter
