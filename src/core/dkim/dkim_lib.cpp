// DkimLib; see dkim_lib.hpp.
#include "core/dkim/dkim_lib.hpp"

#include <array>

namespace sw::dkim {
namespace {

// NULL-terminated, as dkim_options() wants them.
constexpr std::array<const char*, 30> kSigned = {
    "from", "reply-to", "subject", "date", "to", "cc", "message-id", "in-reply-to", "references", "sender",
    "mime-version", "content-type", "content-transfer-encoding", "content-id", "content-description",
    "resent-date", "resent-from", "resent-sender", "resent-to", "resent-cc", "resent-message-id",
    "list-id", "list-help", "list-unsubscribe", "list-subscribe", "list-post", "list-owner", "list-archive",
    "list-unsubscribe-post", nullptr};
constexpr std::array<const char*, 11> kOversigned = {
    "from", "to", "cc", "subject", "date", "message-id", "reply-to",
    "mime-version", "content-type", "content-transfer-encoding", nullptr};

}  // namespace

std::span<const char* const> signed_header_names() { return {kSigned.data(), kSigned.size() - 1}; }
std::span<const char* const> oversigned_header_names() { return {kOversigned.data(), kOversigned.size() - 1}; }

Result<std::unique_ptr<DkimLib>> DkimLib::create() {
    auto lib = std::make_unique<DkimLib>();
    lib->lib_.reset(dkim_init(nullptr, nullptr));
    if (!lib->lib_) return fail("dkim_init failed (libopendkim)");
    // dkim_options copies the lists into its own regular expressions.
    auto sign = const_cast<const char**>(kSigned.data());
    auto over = const_cast<const char**>(kOversigned.data());
    if (dkim_options(lib->get(), DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS, sign, sizeof sign) != DKIM_STAT_OK)
        return fail("libopendkim refused the list of signed headers");
    if (dkim_options(lib->get(), DKIM_OP_SETOPT, DKIM_OPTS_OVERSIGNHDRS, over, sizeof over) != DKIM_STAT_OK)
        return fail("libopendkim refused the list of oversigned headers");
    return lib;
}

}  // namespace sw::dkim
