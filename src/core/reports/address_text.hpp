// Finding mailbox addresses (RFC 5321 §4.1.2 Mailbox, dot-atom local parts
// only) in free text: NDR bodies, DSN fields, quoted headers. A scanner for
// the common shapes, not an RFC 5322 address-list parser (GMime does that).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sw::reports {

struct AddressHit {
    std::string_view address;  // view into the scanned text
    std::size_t pos = 0;       // offset of its first byte
};

// Every address of the text, in order; at most `max_hits`.
std::vector<AddressHit> find_addresses(std::string_view text, std::size_t max_hits = 2000);

std::optional<std::string_view> first_address(std::string_view text);

// The address as we store it: domain lower-cased, trailing dot dropped,
// local part as written.
std::string normalize_address(std::string_view address);

// Lower-cased whole address, for comparisons.
std::string address_key(std::string_view address);

}  // namespace sw::reports
