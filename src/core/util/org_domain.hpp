// Organisational domains (RFC 7489 §3.2) from the Public Suffix List, by
// libpsl: the system's list (Debian package publicsuffix) when present, else
// the one built into libpsl. Loaded once, read-only, safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace sw {

// "mail.example.co.uk" -> "example.co.uk"; a public suffix itself or a name
// libpsl cannot place -> the name as given (lower-case, no trailing dot).
std::string org_domain(std::string_view domain);

// Relaxed alignment: both names have the same organisational domain.
bool same_org_domain(std::string_view a, std::string_view b);

}  // namespace sw
