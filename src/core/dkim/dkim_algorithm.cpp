// Algorithm names; see dkim_algorithm.hpp.
#include "core/dkim/dkim_algorithm.hpp"

namespace sw::dkim {

std::string_view to_string(Algorithm a) noexcept {
    return a == Algorithm::RsaSha256 ? "rsa-sha256" : "ed25519-sha256";
}

std::optional<Algorithm> parse_algorithm(std::string_view text) noexcept {
    if (text == "rsa-sha256") return Algorithm::RsaSha256;
    if (text == "ed25519-sha256") return Algorithm::Ed25519Sha256;
    return std::nullopt;
}

std::string_view key_type(Algorithm a) noexcept { return a == Algorithm::RsaSha256 ? "rsa" : "ed25519"; }

}  // namespace sw::dkim
