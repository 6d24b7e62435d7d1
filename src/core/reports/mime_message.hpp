// A parsed report message as the report parsers need it: the top-level
// headers and a flat list of leaf parts with decoded content, walked with
// GMime 3 (RFC 2045/2046 parsing is GMime's job, not ours). Bounded: depth,
// part count and bytes are capped so hostile input cannot make it hang.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/reports/field_block.hpp"

namespace sw::reports {

struct MimeLeaf {
    std::string content_type;  // "text/plain", lower-case; "text/plain" when absent
    std::string filename;      // Content-Disposition/Content-Type name, if any
    std::string body;          // content with the transfer encoding undone (charset untouched)
    int message_level = 0;     // 0: part of the report itself; 1+: inside an enclosed message
    bool truncated = false;    // body cut at parse_mime's size caps (whole-file parsers refuse it)
};

struct MimeMessage {
    FieldGroup headers;            // top-level header fields, unfolded, RFC 2047-decoded
    std::string content_type;      // top-level type, lower-case
    std::string report_type;       // multipart/report's report-type parameter, lower-case
    std::vector<MimeLeaf> leaves;  // every leaf part in document order
    std::vector<FieldGroup> enclosed;  // headers of each message/rfc822 (or message/global) part
};

// Never throws on bad input: what GMime cannot parse gives an empty message
// whose single leaf is the raw text.
MimeMessage parse_mime(std::string_view raw);

// The same message with CRLF and lone CR line ends turned into LF (GMime
// splits lines on LF only; Mac-style CR-only files exist in the wild).
std::string normalize_newlines(std::string_view raw);

}  // namespace sw::reports
