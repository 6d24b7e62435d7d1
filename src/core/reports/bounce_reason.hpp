// The verdict on one failed recipient: why it failed (BounceReason), whether
// it is a failure or a delay, and whether the address is dead (hard). Reason
// text first, then the RFC 3463 code; never the first digit alone. Policy
// (the issue): hard = user/host unknown, moved, disabled/suspended/closed;
// 5.7.x blocks, a bare 5.0.0 and mailbox full are not hard; delays never are.
#pragma once

#include <string_view>

#include "core/reports/report.hpp"

namespace sw::reports {

// The reason the text and codes give; Other when nothing matches.
BounceReason reason_of(std::string_view status, std::string_view reply_code, std::string_view diagnostic);

// Fills r.reason, r.permanent and r.hard from r.action, r.status,
// r.reply_code and r.diagnostic.
void classify(FailedRecipient& r);

// The RFC 3463 code a reason implies when the report gave none ("5.1.1" for
// UserUnknown); "" for Other. `permanent` picks class 5 or 4.
std::string_view implied_status(BounceReason reason, bool permanent);

}  // namespace sw::reports
