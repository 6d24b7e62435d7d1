// OpenSSL side of DKIM keys; see dkim_key.hpp.
#include "core/dkim/dkim_key.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>
#include <vector>

namespace sw::dkim {
namespace {

struct PkeyFree {
    void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct BioFree {
    void operator()(BIO* b) const noexcept { BIO_free(b); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Bio = std::unique_ptr<BIO, BioFree>;
struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
struct PkeyCtxFree {
    void operator()(EVP_PKEY_CTX* c) const noexcept { EVP_PKEY_CTX_free(c); }
};

std::string base64(const unsigned char* data, std::size_t len);

}  // namespace

std::string base64_encode(std::string_view bytes) {
    return base64(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

namespace {

std::string base64(const unsigned char* data, std::size_t len) {
    std::string out(4 * ((len + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(len));
    out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return out;
}

std::optional<std::vector<unsigned char>> unbase64(std::string_view text) {
    std::string clean;
    for (char c : text)
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') clean.push_back(c);
    if (clean.empty() || clean.size() % 4 != 0) return std::nullopt;
    std::vector<unsigned char> out(clean.size() / 4 * 3);
    int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(clean.data()),
                            static_cast<int>(clean.size()));
    if (n < 0) return std::nullopt;
    std::size_t len = static_cast<std::size_t>(n);
    // EVP_DecodeBlock counts the '=' padding as zero octets.
    if (clean.size() >= 1 && clean[clean.size() - 1] == '=') --len;
    if (clean.size() >= 2 && clean[clean.size() - 2] == '=') --len;
    out.resize(len);
    return out;
}

Result<KeyInfo> describe(EVP_PKEY* key) {
    KeyInfo info;
    int id = EVP_PKEY_get_base_id(key);
    if (id == EVP_PKEY_RSA) {
        info.algorithm = Algorithm::RsaSha256;
        info.bits = EVP_PKEY_get_bits(key);
        unsigned char* der = nullptr;
        int len = i2d_PUBKEY(key, &der);
        if (len <= 0) return fail("cannot encode the RSA public key");
        info.public_key_b64 = base64(der, static_cast<std::size_t>(len));
        OPENSSL_free(der);
    } else if (id == EVP_PKEY_ED25519) {
        info.algorithm = Algorithm::Ed25519Sha256;
        info.bits = 256;
        unsigned char raw[32];
        std::size_t len = sizeof raw;
        if (EVP_PKEY_get_raw_public_key(key, raw, &len) != 1 || len != sizeof raw)
            return fail("cannot read the Ed25519 public key");
        info.public_key_b64 = base64(raw, len);
    } else {
        return fail("not an RSA or Ed25519 key");
    }
    return info;
}

}  // namespace

Result<SecretBytes> generate_private_key(Algorithm algorithm, int rsa_bits) {
    Pkey key(algorithm == Algorithm::RsaSha256
                 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(rsa_bits))
                 : EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    if (!key) return fail("key generation failed in OpenSSL");
    Bio bio(BIO_new(BIO_s_secmem()));
    if (!bio) bio.reset(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return fail("cannot encode the private key");
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    if (len <= 0 || !data) return fail("cannot encode the private key");
    return SecretBytes(std::string(data, static_cast<std::size_t>(len)));
}

Result<std::shared_ptr<const PrivateKey>> PrivateKey::parse(const SecretBytes& pem) {
    Bio bio(BIO_new_mem_buf(pem.c_str(), static_cast<int>(pem.size())));
    if (!bio) return fail("out of memory");
    Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key) return fail("not a PEM private key (expected -----BEGIN PRIVATE KEY----- or RSA PRIVATE KEY)");
    auto info = describe(key.get());
    if (!info) return fail(info.error());
    std::shared_ptr<PrivateKey> out(new PrivateKey());
    out->info_ = std::move(*info);
    out->key_ = key.release();
    return std::shared_ptr<const PrivateKey>(std::move(out));
}

PrivateKey::~PrivateKey() { EVP_PKEY_free(key_); }

Result<std::string> PrivateKey::sign_digest(const unsigned char (&sha256)[32]) const {
    std::size_t len = 0;
    std::string sig;
    if (info_.algorithm == Algorithm::RsaSha256) {
        std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new(key_, nullptr));
        if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 ||
            EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
            EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) != 1 ||
            EVP_PKEY_sign(ctx.get(), nullptr, &len, sha256, sizeof sha256) != 1)
            return fail("RSA signing failed in OpenSSL");
        sig.resize(len);
        if (EVP_PKEY_sign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, sha256, sizeof sha256) != 1)
            return fail("RSA signing failed in OpenSSL");
    } else {
        std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
        if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_) != 1 ||
            EVP_DigestSign(ctx.get(), nullptr, &len, sha256, sizeof sha256) != 1)
            return fail("Ed25519 signing failed in OpenSSL");
        sig.resize(len);
        if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, sha256, sizeof sha256) != 1)
            return fail("Ed25519 signing failed in OpenSSL");
    }
    sig.resize(len);
    return sig;
}

Result<KeyInfo> inspect_private_key(const SecretBytes& pem) {
    Bio bio(BIO_new_mem_buf(pem.c_str(), static_cast<int>(pem.size())));
    if (!bio) return fail("out of memory");
    Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key) return fail("not a PEM private key (expected -----BEGIN PRIVATE KEY----- or RSA PRIVATE KEY)");
    return describe(key.get());
}

bool same_public_key(const KeyInfo& ours, std::string_view published_p) {
    auto bytes = unbase64(published_p);
    if (!bytes) return false;
    if (ours.algorithm == Algorithm::Ed25519Sha256) {
        auto mine = unbase64(ours.public_key_b64);
        return mine && *mine == *bytes;
    }
    auto mine_der = unbase64(ours.public_key_b64);
    if (!mine_der) return false;
    const unsigned char* p = mine_der->data();
    Pkey mine(d2i_PUBKEY(nullptr, &p, static_cast<long>(mine_der->size())));
    p = bytes->data();
    Pkey theirs(d2i_PUBKEY(nullptr, &p, static_cast<long>(bytes->size())));
    if (!theirs) {
        p = bytes->data();
        theirs.reset(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, static_cast<long>(bytes->size())));
    }
    return mine && theirs && EVP_PKEY_eq(mine.get(), theirs.get()) == 1;
}

}  // namespace sw::dkim
