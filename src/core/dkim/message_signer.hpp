// MessageSigner: the libopendkim engine of dkim::Signer ([milter]
// dkim_engine = libopendkim). DKIM-signs one message with libopendkim, one handle
// (dkim_sign ... dkim_free) per key, relaxed/relaxed (RFC 6376 §3.4.2,
// §3.4.4). Fed the header fields and body chunks as the milter receives
// them; finish() returns the DKIM-Signature field values to insert.
// Keys are borrowed: the caller keeps the SigningTable snapshot alive.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/dkim/dkim_lib.hpp"
#include "core/dkim/signer.hpp"
#include "core/dkim/signing_table.hpp"
#include "core/util/result.hpp"

namespace sw::dkim {

class MessageSigner final : public Signer {
public:
    // `job_id` names the message in libopendkim's errors (the queue id).
    static Result<MessageSigner> start(const DkimLib& lib, std::string_view job_id,
                                       const std::vector<const SigningKey*>& keys);

    Result<void> header(std::string_view name, std::string_view value) override;
    Result<void> end_of_headers() override;
    Result<void> body(const unsigned char* data, std::size_t len) override;
    // Values of the DKIM-Signature fields (without "DKIM-Signature:"), one
    // per key, folded with "\n\t" as milters insert them.
    Result<std::vector<std::string>> finish() override;

private:
    struct Free {
        void operator()(DKIM* d) const noexcept { dkim_free(d); }
    };
    struct Handle {
        std::unique_ptr<DKIM, Free> dkim;
        const SigningKey* key = nullptr;
    };
    Result<void> check(DKIM_STAT st, const Handle& h, const char* step) const;

    std::vector<Handle> handles_;
    std::string scratch_;
};

}  // namespace sw::dkim
