// MilterSession: one SMTP session seen by the milter, from connect to close,
// as plain C++ (the milter protocol is milter_conversation.cpp's). Each step
// decides and returns what to answer; the message in progress lives in an
// optional reset at end-of-message and abort. Holds its session-cap slots,
// so destroying the session (at close, whatever the cause) releases them.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dkim/signer.hpp"
#include "core/dkim/sign_plan.hpp"
#include "core/limits/session_caps.hpp"
#include "core/spf/spf.hpp"
#include "milter/milter_runtime.hpp"

namespace sw::milter {

enum class Verdict { Continue, Accept, Reject, Tempfail };

struct Answer {
    Verdict verdict = Verdict::Continue;
    std::string rcode, xcode, text;  // for Reject/Tempfail: the SMTP reply
};

struct HeaderEdit {
    bool insert = true;  // insert at the top, or delete occurrence `index` of `name`
    std::string name;
    std::string value;
    int index = 0;
};

struct EomResult {
    Answer answer;
    std::vector<HeaderEdit> edits;
};

class MilterSession {
public:
    MilterSession(MilterRuntime& runtime, std::string client_name, std::string client_addr);

    Answer connect();
    void helo(std::string_view name);
    Answer mail_from(std::string_view address, std::string_view auth_authen);
    void header(std::string_view name, std::string_view value);
    void end_of_headers(std::string_view queue_id);
    void body(const unsigned char* data, std::size_t len);
    EomResult end_of_message(std::string_view queue_id);
    void abort() { message_.reset(); }

    // mail_from() with this {auth_authen} would check SPF (DNS lookups).
    bool mail_may_block(std::string_view auth_authen) const;
    // A message is in progress (between MAIL FROM and end of message or abort).
    bool in_message() const noexcept { return message_.has_value(); }

    // The answer when something failed inside (the on_error setting).
    Answer on_error() const;
    const std::string& client_addr() const noexcept { return client_addr_; }

private:
    struct Message {
        std::string mail_from;
        dkim::Direction direction;
        std::optional<spf::Request> spf_request;
        std::optional<spf::Verdict> spf_verdict;
        std::vector<std::pair<std::string, std::string>> headers;  // until end of headers
        std::vector<std::string> from_values;
        std::string message_id;  // outbound: recorded in the sent index at end of message
        std::vector<int> forged_ar;  // occurrences of Authentication-Results with our authserv-id
        int ar_seen = 0;
        std::unique_ptr<dkim::Signer> signer;
        dkim::SignPlan plan;
        std::string error;  // first failure; acted on at end of message
    };

    Answer refuse(Verdict v, std::string rcode, std::string xcode, std::string text, std::string_view stage,
                  std::string_view queue_id, std::vector<std::pair<std::string_view, std::string>> fields);
    Answer check_spf(Message& m);
    void start_signing(Message& m, std::string_view queue_id);

    MilterRuntime& runtime_;
    std::shared_ptr<const MilterState> state_;
    std::string client_name_, client_addr_, helo_, user_;
    std::optional<limits::SessionSlot> connection_slot_, user_slot_;
    std::optional<Message> message_;
};

}  // namespace sw::milter
