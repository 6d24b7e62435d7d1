// dkim::Signer: DKIM-signs one message for a list of keys, fed the header
// fields and body chunks as a milter receives them; finish() returns the
// DKIM-Signature field values to insert, one per key, folded with "\n\t".
// Two engines: ours (BuiltinSigner: OpenSSL with keys parsed once, the
// default) and libopendkim's (MessageSigner), chosen by [milter]
// dkim_engine. Keys are borrowed: the caller keeps the SigningTable
// snapshot alive.
#pragma once

#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dkim/signing_table.hpp"
#include "core/util/result.hpp"

namespace sw::dkim {

class DkimLib;

class Signer {
public:
    virtual ~Signer() = default;
    virtual Result<void> header(std::string_view name, std::string_view value) = 0;
    virtual Result<void> end_of_headers() = 0;
    virtual Result<void> body(const unsigned char* data, std::size_t len) = 0;
    virtual Result<std::vector<std::string>> finish() = 0;
};

enum class SignerEngine { Builtin, Libopendkim };
std::optional<SignerEngine> parse_signer_engine(std::string_view name);

// `lib` is needed for Libopendkim only; `job_id` names the message in
// errors; `now` is the t= of the signatures (builtin engine).
Result<std::unique_ptr<Signer>> start_signer(SignerEngine engine, const DkimLib* lib, std::string_view job_id,
                                             const std::vector<const SigningKey*>& keys, std::time_t now);

}  // namespace sw::dkim
