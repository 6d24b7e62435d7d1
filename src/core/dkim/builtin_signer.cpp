// BuiltinSigner; see builtin_signer.hpp. Header fields are kept until the
// end (the signature covers the last instances of each name, RFC 6376
// §5.4.2); the body is canonicalized and hashed as it streams in.
#include "core/dkim/builtin_signer.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <map>

#include "core/dkim/dkim_lib.hpp"

namespace sw::dkim {
namespace {

constexpr std::size_t kLineWidth = 72;

// Appends `item` to a folded field value: a new line ("\n\t") when the
// current one would grow past kLineWidth.
void append_folded(std::string& out, std::size_t& line_len, std::string_view item, std::string_view sep) {
    if (!out.empty() && line_len + sep.size() + item.size() > kLineWidth) {
        out.append(sep.substr(0, sep.find_last_not_of(' ') + 1));
        out.append("\n\t");
        line_len = 8;  // a tab
    } else if (!out.empty()) {
        out.append(sep);
        line_len += sep.size();
    }
    out.append(item);
    line_len += item.size();
}

bool sha256(std::string_view a, std::string_view b, unsigned char (&out)[32]) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    unsigned int len = 0;
    bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
              EVP_DigestUpdate(ctx, a.data(), a.size()) == 1 && EVP_DigestUpdate(ctx, b.data(), b.size()) == 1 &&
              EVP_DigestFinal_ex(ctx, out, &len) == 1 && len == 32;
    EVP_MD_CTX_free(ctx);
    return ok;
}

}  // namespace

std::string signature_without_b(const SigningKey& key, std::time_t now, const std::vector<std::string>& h,
                                std::string_view bh) {
    std::string out;
    std::size_t line = 16;  // "DKIM-Signature: "
    for (std::string item : {std::string("v=1"), "a=" + std::string(to_string(key.algorithm)), std::string("c=relaxed/relaxed"),
                             "d=" + key.signing_domain, "s=" + key.selector, "t=" + std::to_string(now)})
        append_folded(out, line, item, "; ");
    // h= folds between names (FWS is allowed around its colons)
    for (std::size_t i = 0; i < h.size(); ++i)
        append_folded(out, line, (i == 0 ? "h=" : "") + h[i], i == 0 ? "; " : ":");
    append_folded(out, line, "bh=" + std::string(bh), "; ");
    append_folded(out, line, "b=", "; ");
    return out;
}

BuiltinSigner::BuiltinSigner(std::vector<const SigningKey*> keys, std::time_t now)
    : keys_(std::move(keys)),
      now_(now),
      body_hash_(EVP_MD_CTX_new()),
      body_([this](std::string_view bytes) {
          if (!hash_failed_ && EVP_DigestUpdate(body_hash_, bytes.data(), bytes.size()) != 1) hash_failed_ = true;
      }) {
    if (!body_hash_ || EVP_DigestInit_ex(body_hash_, EVP_sha256(), nullptr) != 1) hash_failed_ = true;
}

BuiltinSigner::~BuiltinSigner() { EVP_MD_CTX_free(body_hash_); }

Result<void> BuiltinSigner::header(std::string_view name, std::string_view value) {
    Field f{std::string(name), std::string(name), std::string(value)};
    for (char& c : f.lower_name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    fields_.push_back(std::move(f));
    return {};
}

Result<void> BuiltinSigner::body(const unsigned char* data, std::size_t len) {
    body_.add(std::string_view(reinterpret_cast<const char*>(data), len));
    return {};
}

Result<std::vector<std::string>> BuiltinSigner::finish() {
    body_.finish();
    unsigned char bh_raw[32];
    unsigned int bh_len = 0;
    if (hash_failed_ || EVP_DigestFinal_ex(body_hash_, bh_raw, &bh_len) != 1 || bh_len != sizeof bh_raw)
        return fail("body hash failed in OpenSSL");
    std::string bh = base64_encode(std::string_view(reinterpret_cast<const char*>(bh_raw), bh_len));

    // h=: the names we sign, in the order the message has them (each
    // instance once), then each oversigned name once more.
    auto listed = [](std::span<const char* const> names, std::string_view n) {
        return std::any_of(names.begin(), names.end(), [&](const char* s) { return n == s; });
    };
    std::vector<std::string> h;
    for (const auto& f : fields_)
        if (listed(signed_header_names(), f.lower_name)) h.push_back(f.lower_name);
    for (const char* n : oversigned_header_names()) h.emplace_back(n);

    // The canonical header fields in h= order, each name taking its
    // instances from the bottom up; a name with none left adds nothing.
    std::map<std::string, std::size_t, std::less<>> used;
    std::string canon;
    for (const auto& name : h) {
        std::size_t skip = used[name]++;
        for (auto it = fields_.rbegin(); it != fields_.rend(); ++it) {
            if (it->lower_name != name) continue;
            if (skip-- == 0) {
                append_relaxed_header(canon, it->name, it->value);
                break;
            }
        }
    }

    std::vector<std::string> out;
    out.reserve(keys_.size());
    for (const SigningKey* key : keys_) {
        if (!key->parsed) return fail("key " + key->selector + " of " + key->signing_domain + " is not loaded");
        std::string value = signature_without_b(*key, now_, h, bh);
        std::string sig_field = relaxed_header("DKIM-Signature", value);
        sig_field.resize(sig_field.size() - 2);  // hashed without its CRLF (RFC 6376 §3.7)
        unsigned char digest[32];
        if (!sha256(canon, sig_field, digest)) return fail("header hash failed in OpenSSL");
        auto signature = key->parsed->sign_digest(digest);
        if (!signature)
            return fail(signature.error() + " (" + key->signing_domain + " selector " + key->selector + ")");
        std::string b = base64_encode(*signature);
        // b= folds every kLineWidth characters after its first line
        auto nl = value.rfind('\n');
        std::size_t line = nl == std::string::npos ? 16 + value.size() : 8 + value.size() - (nl + 2);
        std::size_t first = line < kLineWidth ? kLineWidth - line : 0;
        value.append(b, 0, first);
        for (std::size_t at = first; at < b.size(); at += kLineWidth - 8) value.append("\n\t").append(b, at, kLineWidth - 8);
        out.push_back(std::move(value));
    }
    return out;
}

}  // namespace sw::dkim
