// Bounces written by a content-filtering gateway (McAfee, SurfControl,
// MXLogic, MailFoundry, Active!hunter) rather than by the recipient's
// mailbox server. Their "unknown user" is often the filter's policy verdict
// dressed as a user error, so without an RFC 3463 x.1.1 code it must not
// count as a dead address.
#pragma once

#include "core/reports/bounce_text.hpp"
#include "core/reports/mime_message.hpp"

namespace sw::reports {

bool is_filter_gateway(const MimeMessage& m, const BounceText& text);

}  // namespace sw::reports
