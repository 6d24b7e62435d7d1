// The DKIM key record in DNS (RFC 6376 §3.6.1, RFC 8463): building the TXT
// value for our key, writing it as a zone-file line with character-strings
// of at most 255 octets (RFC 1035 §3.3.14), and reading a published record's
// tags back for the rotation check.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/dkim/dkim_key.hpp"

namespace sw::dkim {

// "v=DKIM1; k=rsa; p=MIIB..."
std::string key_record_value(const KeyInfo& key);

// `S._domainkey.D. IN TXT ( "..." "..." )`, strings split at 255 octets.
std::string zone_file_line(std::string_view selector, std::string_view domain, std::string_view value);

// The owner name of a selector's record: "S._domainkey.D".
std::string key_record_name(std::string_view selector, std::string_view domain);

// Tags of a DKIM key record (tag=value; ...), names lower-cased, values with
// surrounding whitespace removed. nullopt when the text is not a tag list or
// names a tag twice (RFC 6376 §3.2: invalid).
std::optional<std::map<std::string, std::string>> parse_key_record(std::string_view text);

// Is `record` (one published TXT value) a usable key record of the same key
// as `ours`? When not, `why` says what differs (for `keys activate`).
bool record_matches(std::string_view record, const KeyInfo& ours, std::string& why);

}  // namespace sw::dkim
