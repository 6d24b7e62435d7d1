// The DKIM signing algorithms sendwarden uses: rsa-sha256 (RFC 6376) and
// ed25519-sha256 (RFC 8463). rsa-sha1 is deliberately absent (RFC 8301).
#pragma once

#include <optional>
#include <string_view>

namespace sw::dkim {

enum class Algorithm { RsaSha256, Ed25519Sha256 };

// "rsa-sha256" / "ed25519-sha256"
std::string_view to_string(Algorithm a) noexcept;
std::optional<Algorithm> parse_algorithm(std::string_view text) noexcept;
// The k= tag of the key record: "rsa" / "ed25519".
std::string_view key_type(Algorithm a) noexcept;

}  // namespace sw::dkim
