// MessageSigner; see message_signer.hpp.
#include "core/dkim/message_signer.hpp"

#include <cstring>

namespace sw::dkim {
namespace {

constexpr std::string_view kField = "DKIM-Signature";

dkim_alg_t to_lib(Algorithm a) { return a == Algorithm::RsaSha256 ? DKIM_SIGN_RSASHA256 : DKIM_SIGN_ED25519SHA256; }

}  // namespace

Result<void> MessageSigner::check(DKIM_STAT st, const Handle& h, const char* step) const {
    if (st == DKIM_STAT_OK) return {};
    const char* detail = dkim_geterror(h.dkim.get());
    return fail(std::string(step) + " failed for " + h.key->signing_domain + " selector " + h.key->selector + ": " +
                dkim_getresultstr(st) + (detail && *detail ? std::string(" (") + detail + ")" : std::string()));
}

Result<MessageSigner> MessageSigner::start(const DkimLib& lib, std::string_view job_id,
                                           const std::vector<const SigningKey*>& keys) {
    MessageSigner signer;
    std::string id(job_id.empty() ? "NOQUEUE" : job_id);
    for (const SigningKey* key : keys) {
        DKIM_STAT st = DKIM_STAT_OK;
        DKIM* d = dkim_sign(lib.get(), reinterpret_cast<const unsigned char*>(id.c_str()), nullptr,
                            // dkim_sigkey_t is a non-const pointer; the library only reads it
                            const_cast<unsigned char*>(reinterpret_cast<const unsigned char*>(key->key->c_str())),
                            reinterpret_cast<const unsigned char*>(key->selector.c_str()),
                            reinterpret_cast<const unsigned char*>(key->signing_domain.c_str()), DKIM_CANON_RELAXED,
                            DKIM_CANON_RELAXED, to_lib(key->algorithm), -1, &st);
        if (!d)
            return fail("dkim_sign failed for " + key->signing_domain + " selector " + key->selector + ": " +
                        dkim_getresultstr(st));
        signer.handles_.push_back(Handle{std::unique_ptr<DKIM, Free>(d), key});
    }
    return signer;
}

Result<void> MessageSigner::header(std::string_view name, std::string_view value) {
    scratch_.assign(name);
    scratch_ += ": ";
    scratch_ += value;
    for (auto& h : handles_) {
        auto ok = check(dkim_header(h.dkim.get(), reinterpret_cast<u_char*>(scratch_.data()), scratch_.size()), h,
                        "dkim_header");
        if (!ok) return ok;
    }
    return {};
}

Result<void> MessageSigner::end_of_headers() {
    for (auto& h : handles_) {
        DKIM_STAT st = dkim_eoh(h.dkim.get());
        // A message with no signable header is not our error to report twice:
        // dkim_eoh says DKIM_STAT_SYNTAX when From: is missing.
        if (auto ok = check(st, h, "dkim_eoh"); !ok) return ok;
    }
    return {};
}

Result<void> MessageSigner::body(const unsigned char* data, std::size_t len) {
    for (auto& h : handles_) {
        auto ok = check(dkim_body(h.dkim.get(), const_cast<u_char*>(data), len), h, "dkim_body");
        if (!ok) return ok;
    }
    return {};
}

Result<std::vector<std::string>> MessageSigner::finish() {
    std::vector<std::string> out;
    for (auto& h : handles_) {
        if (auto ok = check(dkim_eom(h.dkim.get(), nullptr), h, "dkim_eom"); !ok) return fail(ok.error());
        u_char* buf = nullptr;
        size_t len = 0;
        if (auto ok = check(dkim_getsighdr_d(h.dkim.get(), kField.size() + 2, &buf, &len), h, "dkim_getsighdr");
            !ok)
            return fail(ok.error());
        std::string value(reinterpret_cast<const char*>(buf), len);
        // libopendkim folds with CRLF; milters insert LF-folded values.
        std::string folded;
        folded.reserve(value.size());
        for (char c : value)
            if (c != '\r') folded.push_back(c);
        out.push_back(std::move(folded));
    }
    return out;
}

}  // namespace sw::dkim
