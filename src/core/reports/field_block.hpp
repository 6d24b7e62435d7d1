// Header-like field groups (RFC 5322 §2.2 syntax, as RFC 3464 §2.1 and
// RFC 5965 §3.1 reuse it): "Name: value" lines with folded continuations,
// groups separated by blank lines. Line code over already-decoded text, not
// a MIME parser; anything that is not a field line is skipped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sw::reports {

struct Field {
    std::string name;   // as written
    std::string value;  // unfolded, trimmed
};
using FieldGroup = std::vector<Field>;

// First value of `name` (case-insensitive), or "" when absent.
std::string_view field_value(const FieldGroup& g, std::string_view name);

// Every group of the text, in order; empty groups are dropped. At most
// `max_groups` groups (the rest of the text is ignored).
std::vector<FieldGroup> parse_field_groups(std::string_view text, std::size_t max_groups = 1000);

// The leading header block of a message-like text (up to the first blank
// line), e.g. a text/rfc822-headers part or a quoted original message.
FieldGroup parse_header_block(std::string_view text);

}  // namespace sw::reports
