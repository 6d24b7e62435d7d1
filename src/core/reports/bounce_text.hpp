// The human-readable text of a report (its level-0 text parts, HTML reduced
// to text) split into the notice itself and the quoted original message that
// many NDRs append inline ("--- Below this line is a copy of the message.").
#pragma once

#include <string>
#include <string_view>

#include "core/reports/mime_message.hpp"

namespace sw::reports {

struct BounceText {
    std::string notice;  // the NDR's own words, LF line ends
    std::string quoted;  // the inline copy of the original (headers first), or ""
    std::string lower;   // notice lower-cased (ASCII), same offsets: made once for every reader
};

BounceText bounce_text(const MimeMessage& m);

// Visible text of an HTML part: tags dropped, <br>/<p>/<div>/<tr> as line
// breaks, the common entities decoded.
std::string html_to_text(std::string_view html);

}  // namespace sw::reports
