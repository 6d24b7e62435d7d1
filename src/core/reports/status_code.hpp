// Finding SMTP reply codes (RFC 5321 §4.2) and enhanced status codes
// (RFC 3463 class.subject.detail) inside free diagnostic text, without
// mistaking parts of IP addresses, dates or version numbers for them.
#pragma once

#include <string>
#include <string_view>

namespace sw::reports {

// First "c.s.d" with c in {2,4,5}, s and d of 1-3 digits, not part of a
// longer dotted number (192.0.2.5) or a word; "" when none.
std::string find_enhanced_status(std::string_view text);

// First three-digit reply code 2xx/4xx/5xx standing as a word at the start of
// a reply ("550 ", "550-", "550:", "#550"), not inside an IP address, a
// larger number or an enhanced code; "" when none.
std::string find_reply_code(std::string_view text);

// True for "c.s.d" syntax with c in {2,4,5} (RFC 3463 §2).
bool is_enhanced_status(std::string_view s);

}  // namespace sw::reports
