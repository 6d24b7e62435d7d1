// dmarc_record: a published DMARC policy record (RFC 7489 §6.3 tags, §6.4
// ABNF), parsed for checking: every problem is collected with the tag it is
// about, rather than stopping at the first, and unknown tags are ignored as
// §6.3 says receivers do (with a warning). A pure function over untrusted
// text; no DNS here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sw::dnscheck {

enum class DmarcPolicy { none, quarantine, reject };

std::string_view to_string(DmarcPolicy p) noexcept;  // "none", "quarantine", "reject"

struct DmarcRecord {
    std::optional<DmarcPolicy> p;       // nullopt when missing or invalid (an error says which)
    std::optional<DmarcPolicy> sp, np;  // subdomains; non-existent subdomains (DMARCbis)
    int pct = 100;
    std::vector<std::string> rua, ruf;  // the URIs as written (printable)
    char adkim = 'r', aspf = 'r';       // 'r' relaxed, 's' strict
    std::string fo = "0";
    std::uint32_t ri = 86400;
    std::vector<std::string> errors;    // receivers ignore the record or the tag
    std::vector<std::string> warnings;  // allowed, but probably not meant
};

// §6.6.3 record selection: the text starts with "v=DMARC1" (spaces around
// "=" allowed), followed by ";", a space or the end.
bool is_dmarc_record(std::string_view text) noexcept;

// The record's tags. A text that is not selected by is_dmarc_record() gives
// one error saying so.
DmarcRecord parse_dmarc_record(std::string_view text);

// The address of a "mailto:" report URI without its "!size" suffix,
// lower-cased ("mailto:Reports@Example.org!10m" -> "reports@example.org");
// "" for other URIs or a malformed one.
std::string mailto_address(std::string_view uri);

}  // namespace sw::dnscheck
