// Recipient addresses as suppressions compare them: "local@domain" with the
// domain lower-cased and an IDN domain in its A-label form (IDNA2008 via
// libidn2), the local part lower-cased too unless local parts are compared
// case-sensitively (LocalPartCase::Sensitive, for the setting issue 4 asks
// for; RFC 5321 lets a host treat them so, few do). "@domain" stands for every address of the
// domain. Pure functions: the same text gives the same key everywhere
// (policyd at RCPT, ingest, the CLI).
#pragma once

#include <string>
#include <string_view>

#include "core/util/result.hpp"

namespace sw::suppress {

enum class LocalPartCase { Insensitive, Sensitive };

struct Address {
    std::string local;   // empty for "@domain"
    std::string domain;  // lower case, A-labels
    bool whole_domain() const noexcept { return local.empty(); }
    std::string key() const { return local + "@" + domain; }
};

// The mode [suppress] local_part_case names ("sensitive" or anything else).
LocalPartCase local_part_case(std::string_view setting);

// Accepts "user@domain", "<user@domain>", "@domain" and surrounding
// whitespace; refuses what cannot be an address, saying why.
Result<Address> normalize_address(std::string_view text, LocalPartCase mode = LocalPartCase::Insensitive);

}  // namespace sw::suppress
