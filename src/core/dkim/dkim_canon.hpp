// DKIM "relaxed" canonicalization (RFC 6376 §3.4.2 for header fields,
// §3.4.4 for the body), as pure functions over bytes: what the signer hashes.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace sw::dkim {

// "name:value\r\n": the name lower-cased, the value unfolded (CR and LF
// removed), runs of spaces and tabs made one space, whitespace at the end of
// the value and around the colon removed.
std::string relaxed_header(std::string_view name, std::string_view value);
void append_relaxed_header(std::string& out, std::string_view name, std::string_view value);

// The body, streamed: whitespace at line ends dropped, runs of whitespace
// made one space, empty lines at the end dropped, a final CRLF added to a
// non-empty body that lacks one. Lines end in CRLF; a bare LF (not seen
// from Postfix) ends a line too. Canonical bytes go to `sink` in pieces.
class RelaxedBody {
public:
    using Sink = std::function<void(std::string_view)>;
    explicit RelaxedBody(Sink sink) : sink_(std::move(sink)) {}

    void add(std::string_view chunk);
    void finish();

private:
    void content(std::string_view run);
    void flush();

    Sink sink_;
    std::string out_;              // canonical bytes not yet given to the sink
    std::size_t empty_lines_ = 0;  // held back: they count only if content follows
    bool space_pending_ = false;
    bool cr_pending_ = false;
    bool line_has_content_ = false;
};

}  // namespace sw::dkim
