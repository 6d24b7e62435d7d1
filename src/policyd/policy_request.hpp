// The Postfix SMTPD access policy delegation protocol, request side
// (SMTPD_POLICY_README): a request is `name=value` lines, each ending in
// '\n', closed by an empty line. This file owns framing (where a request ends
// in a byte stream) and parsing one request into the attributes we use. It is
// pure and never throws: bad input becomes a RequestError. Fuzzed.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sw::policyd {

// Views into the connection's buffer: valid until that buffer changes.
struct PolicyRequest {
    std::string_view request;         // must be "smtpd_access_policy"
    std::string_view protocol_state;  // CONNECT, EHLO, HELO, MAIL, RCPT, DATA, END-OF-MESSAGE, VRFY, ETRN
    std::string_view queue_id;
    std::string_view sender;
    std::string_view recipient;
    std::string_view client_address;
    std::string_view client_name;
    std::string_view sasl_username;
    std::string_view size;
    std::string_view recipient_count;
    std::size_t attributes = 0;
};

struct RequestError {
    std::string what;  // for the log: "line 3 has no '='"
};

struct RequestLimits {
    std::size_t max_attributes = 100;
};

// Parses one request block: the bytes before the empty line, each line
// ending in '\n'. Returns an error for a line without '=', an empty name, a
// NUL byte, or too many attributes. Unknown attributes are accepted and
// ignored, as the protocol asks; a repeated one keeps its last value.
std::optional<RequestError> parse_request(std::string_view block, const RequestLimits& limits, PolicyRequest& out);

// Finds the end of the first request in `buf` (searching from `from`, which
// the caller advances to avoid rescanning). Returns the length of the block
// (without the terminating empty line) and sets `consumed` to block + the
// blank line; nullopt while incomplete. `from` is updated.
std::optional<std::size_t> find_request_end(std::string_view buf, std::size_t& from, std::size_t& consumed);

}  // namespace sw::policyd
