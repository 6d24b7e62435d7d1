// DKIM key material through OpenSSL: generating a private key (keygen),
// reading what a private key is (algorithm, size) and deriving the public
// key as it is published in DNS (RFC 6376 §3.6.1 p= of an RSA
// SubjectPublicKeyInfo; RFC 8463 §4.2 p= of the raw 32-octet Ed25519 key).
// Key bytes never reach a log line or an error message.
#pragma once

#include <openssl/types.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/dkim/dkim_algorithm.hpp"
#include "core/util/result.hpp"
#include "core/util/secret_bytes.hpp"

namespace sw::dkim {

struct KeyInfo {
    Algorithm algorithm = Algorithm::RsaSha256;
    int bits = 0;                 // RSA modulus size; 256 for Ed25519
    std::string public_key_b64;   // the p= value
};

// A new private key in PEM (PKCS#8). `rsa_bits` is used for RSA only.
Result<SecretBytes> generate_private_key(Algorithm algorithm, int rsa_bits);

// What a PEM private key is, and its public half as published.
Result<KeyInfo> inspect_private_key(const SecretBytes& pem);

// A private key parsed once (at load and reload), used by any number of
// threads at once: OpenSSL keys are immutable once made, and each signature
// gets its own context.
class PrivateKey {
public:
    static Result<std::shared_ptr<const PrivateKey>> parse(const SecretBytes& pem);
    ~PrivateKey();
    PrivateKey(const PrivateKey&) = delete;
    PrivateKey& operator=(const PrivateKey&) = delete;

    const KeyInfo& info() const noexcept { return info_; }
    // The signature of a SHA-256 digest: RSASSA-PKCS1-v1_5 with SHA-256
    // (RFC 6376 §3.3.1), or Ed25519 over the digest (RFC 8463 §3).
    Result<std::string> sign_digest(const unsigned char (&sha256)[32]) const;

private:
    PrivateKey() = default;
    EVP_PKEY* key_ = nullptr;
    KeyInfo info_;
};

// RFC 4648 base64 without line breaks.
std::string base64_encode(std::string_view bytes);

// Does the p= value of a published record (base64, whitespace allowed) hold
// the same public key as `ours`? RSA keys published as SubjectPublicKeyInfo
// or as a bare PKCS#1 RSAPublicKey are both understood.
bool same_public_key(const KeyInfo& ours, std::string_view published_p);

}  // namespace sw::dkim
