// BuiltinSigner: our DKIM signer (RFC 6376 relaxed/relaxed; rsa-sha256 and
// ed25519-sha256, RFC 8463), with OpenSSL for hashing and signatures.
// It exists because libopendkim parses the PEM key again for every message
// (OpenSSL 3's decoder lookup: about 0.35 ms, 80% of an Ed25519 signature's
// cost) and leaks memory on every Ed25519 signature; ours signs with the
// key parsed once at load. One body hash serves every key (both algorithms
// hash with SHA-256 over the same canonical body). libopendkim stays the
// oracle of the tests: it verifies every signature we make.
#pragma once

#include <openssl/types.h>

#include <memory>

#include "core/dkim/dkim_canon.hpp"
#include "core/dkim/signer.hpp"

namespace sw::dkim {

class BuiltinSigner final : public Signer {
public:
    BuiltinSigner(std::vector<const SigningKey*> keys, std::time_t now);
    ~BuiltinSigner() override;

    Result<void> header(std::string_view name, std::string_view value) override;
    Result<void> end_of_headers() override { return {}; }
    Result<void> body(const unsigned char* data, std::size_t len) override;
    Result<std::vector<std::string>> finish() override;

private:
    struct Field {
        std::string lower_name, name, value;
    };

    std::vector<const SigningKey*> keys_;
    std::time_t now_;
    std::vector<Field> fields_;
    EVP_MD_CTX* body_hash_ = nullptr;
    bool hash_failed_ = false;
    RelaxedBody body_;
};

// The tag list of a signature before b= (for tests: what gets hashed).
std::string signature_without_b(const SigningKey& key, std::time_t now, const std::vector<std::string>& h,
                                 std::string_view bh);

}  // namespace sw::dkim
