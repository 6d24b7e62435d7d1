// The choice of DKIM engine; see signer.hpp.
#include "core/dkim/signer.hpp"

#include "core/dkim/builtin_signer.hpp"
#include "core/dkim/message_signer.hpp"

namespace sw::dkim {

std::optional<SignerEngine> parse_signer_engine(std::string_view name) {
    if (name == "builtin") return SignerEngine::Builtin;
    if (name == "libopendkim") return SignerEngine::Libopendkim;
    return std::nullopt;
}

Result<std::unique_ptr<Signer>> start_signer(SignerEngine engine, const DkimLib* lib, std::string_view job_id,
                                             const std::vector<const SigningKey*>& keys, std::time_t now) {
    if (engine == SignerEngine::Builtin) return std::unique_ptr<Signer>(std::make_unique<BuiltinSigner>(keys, now));
    if (!lib) return fail("the libopendkim engine has no library handle");
    auto signer = MessageSigner::start(*lib, job_id, keys);
    if (!signer) return fail(signer.error());
    return std::unique_ptr<Signer>(std::make_unique<MessageSigner>(std::move(*signer)));
}

}  // namespace sw::dkim
