// The milter wire protocol (version 6, as Postfix's milter8 client and
// sendmail speak it), as pure functions: framing, the payloads of the MTA's
// commands, and the bytes of our replies. No sockets and no session logic
// here (milter_conversation.cpp decides, milter_server.cpp moves bytes), so
// all of it is unit-tested and fuzzed on bytes alone.
//
// A frame is a 32-bit length in network order (counting the command byte),
// the command byte, then the payload. Strings in payloads end in NUL.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sw::milter::wire {

inline constexpr std::uint32_t kProtocolVersion = 6;

// Bigger frames end the connection. Postfix sends body chunks of at most
// 64 KB and headers of at most header_size_limit (100 KB by default).
inline constexpr std::size_t kMaxFrame = 1024 * 1024;

// Commands of the MTA.
namespace command {
inline constexpr char Abort = 'A', Body = 'B', Connect = 'C', Macro = 'D', EndOfMessage = 'E', Helo = 'H',
                      QuitNewConnection = 'K', Header = 'L', Mail = 'M', EndOfHeaders = 'N', Negotiate = 'O',
                      Quit = 'Q', Rcpt = 'R', Data = 'T', Unknown = 'U';
}

// Replies of the milter.
namespace reply {
inline constexpr char Accept = 'a', Continue = 'c', Reject = 'r', Tempfail = 't', ReplyCode = 'y',
                      InsertHeader = 'i', ChangeHeader = 'm', Negotiate = 'O';
}

// Actions the milter may take (negotiated).
namespace action {
inline constexpr std::uint32_t AddHeaders = 0x01, ChangeHeaders = 0x10;
}

// Protocol steps (negotiated): events not sent, and events sent without a reply.
namespace step {
inline constexpr std::uint32_t NoRcpt = 0x08, NoUnknown = 0x100, NoData = 0x200, NoReplyHeader = 0x80,
                               NoReplyHelo = 0x2000, NoReplyEndOfHeaders = 0x40000, NoReplyBody = 0x80000;
}

// Stages for which the milter names the macros it wants (in its negotiation reply).
namespace stage {
inline constexpr std::uint32_t Connect = 0, Helo = 1, Mail = 2, Rcpt = 3, Data = 4, EndOfMessage = 5,
                               EndOfHeaders = 6;
}

struct Frame {
    char command = 0;
    std::string_view data;  // valid until the reader is written to again
};

// Collects bytes from the socket and cuts them into frames. Read into
// prepare(), then commit() what arrived, then take frames with next().
class FrameReader {
public:
    enum class Status { Frame, NeedMore, Bad };

    // Room for at least `min` more bytes. Moves unread bytes to the front
    // first, so frames returned earlier are invalid afterwards.
    std::pair<char*, std::size_t> prepare(std::size_t min = 16 * 1024);
    void commit(std::size_t n) { end_ += n; }
    // Copies bytes in (tests, fuzzing).
    void append(std::string_view bytes);

    // The next complete frame, NeedMore, or Bad (length 0 or above
    // kMaxFrame: the stream cannot be trusted any further; why() says why).
    Status next(Frame& out);
    const std::string& why() const noexcept { return why_; }

    // Bytes of an unfinished frame are waiting.
    bool mid_frame() const noexcept { return end_ > begin_; }
    // Gives back memory after a large frame (an idle connection stays small).
    void shrink();

private:
    std::string buf_;
    std::size_t begin_ = 0, end_ = 0;
    std::size_t frame_rest_ = 0;  // bytes still missing from the frame begun
    std::string why_;
};

// Payloads of the MTA's commands. Parsing is lenient where libmilter is
// (a last string without its NUL is taken as it is) and strict where a
// wrong value would mislead (lengths, the connect family).
struct Negotiation {
    std::uint32_t version = 0, actions = 0, steps = 0;
};
std::optional<Negotiation> parse_negotiation(std::string_view data);

struct ConnectInfo {
    std::string host_name;
    char family = 'U';      // '4', '6', 'L' (unix socket) or 'U' (unknown)
    std::uint16_t port = 0;
    std::string address;    // as the MTA wrote it ("IPv6:" prefix removed)
};
std::optional<ConnectInfo> parse_connect(std::string_view data);

// NUL-separated strings (HELO, MAIL, RCPT arguments, header name and value).
std::vector<std::string_view> split_strings(std::string_view data);

// A macro packet: the command it precedes, then name/value pairs. Names
// lose their braces ("{auth_authen}" -> "auth_authen").
struct MacroSet {
    char for_command = 0;
    std::vector<std::pair<std::string_view, std::string_view>> values;
};
std::optional<MacroSet> parse_macros(std::string_view data);
std::string_view macro_name(std::string_view name);

// Reply frames, appended to `out`.
void put_reply(std::string& out, char code);
// "550 5.7.1 text": CR, LF and NUL in `text` become spaces.
void put_reply_code(std::string& out, std::string_view rcode, std::string_view xcode, std::string_view text);
void put_insert_header(std::string& out, std::uint32_t index, std::string_view name, std::string_view value);
// An empty value deletes occurrence `index` (1-based) of `name`.
void put_change_header(std::string& out, std::uint32_t index, std::string_view name, std::string_view value);
void put_negotiation(std::string& out, const Negotiation& n,
                     const std::vector<std::pair<std::uint32_t, std::string>>& macros_wanted);

// A frame as the MTA would send it (tests, the fuzz target's seeds, bench).
std::string frame(char command, std::string_view data);

}  // namespace sw::milter::wire
