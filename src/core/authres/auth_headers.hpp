// The trace header fields the milter adds for SPF: Received-SPF (RFC 7208
// §9.1) and Authentication-Results (RFC 8601), and reading the authserv-id
// of an Authentication-Results field already in a message, so that forged
// ones claiming to be ours can be removed (RFC 8601 §5).
#pragma once

#include <string>
#include <string_view>

#include "core/spf/spf.hpp"

namespace sw::authres {

struct SpfContext {
    const spf::Request* request = nullptr;
    const spf::Verdict* verdict = nullptr;
    std::string_view receiver;  // our host name (authserv-id)
};

// Value of a Received-SPF field (without the name), e.g.
// pass (mx.example: domain of alice@acme.example designates 192.0.2.1 as
// permitted sender) client-ip=192.0.2.1; envelope-from="alice@acme.example";
// helo=mail.acme.example; receiver=mx.example; identity=mailfrom
std::string received_spf(const SpfContext& ctx);

// Value of an Authentication-Results field for the SPF result:
// mx.example; spf=pass smtp.mailfrom=alice@acme.example
std::string authentication_results_spf(std::string_view authserv_id, const SpfContext& ctx);

// The authserv-id of an Authentication-Results value (comments and
// whitespace skipped, a version number after it ignored); empty if none.
std::string authserv_id_of(std::string_view value);

}  // namespace sw::authres
