// RFC 3464 §2.2-2.3 delivery-status fields (message/delivery-status and the
// RFC 6533 message/global-delivery-status): the per-message group and one
// group per recipient, turned into FailedRecipient values. Only recipients
// whose Action is failed or delayed (or, without Action, whose Status says
// so) are returned; delivered/relayed/expanded ones are not failures.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/reports/report.hpp"

namespace sw::reports {

struct DeliveryStatus {
    std::string reporting_mta;                 // "dns; mx.example" -> "mx.example"
    std::vector<FailedRecipient> recipients;   // failed/delayed, not yet classified
    int recipient_groups = 0;                  // every per-recipient group seen
};

DeliveryStatus parse_delivery_status(std::string_view text);

// "rfc822; <User@Example.COM>" -> "User@example.com"; "" when the value
// holds no address.
std::string dsn_address(std::string_view value);

// "smtp; 550 5.1.1 ..." -> "550 5.1.1 ..." (drops a diagnostic-type prefix).
std::string_view strip_type(std::string_view value);

}  // namespace sw::reports
