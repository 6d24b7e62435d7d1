// The one line logged per decision that refuses, holds or warns about mail,
// in the shape of Postfix's log_whatsup() (smtpd_check.c):
//   QUEUEID: ACTION: STAGE from NAME[ADDR]: REPLY; key=value ... from=<S> to=<R>
// Built only here so every program logs decisions alike.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sw::log {

struct DecisionLine {
    std::string_view queue_id;        // empty: NOQUEUE
    std::string_view action;          // "defer", "reject", "hold", "warn"
    std::string_view stage;           // "RCPT", "END-OF-MESSAGE"
    std::string_view client_name;
    std::string_view client_address;
    std::string_view reply;           // what the client is told
    std::vector<std::pair<std::string_view, std::string>> fields;  // user=, org=, limit=, ...
    std::string_view sender;
    std::string_view recipient;
};

std::string format_decision(const DecisionLine& d);

}  // namespace sw::log
