// Decision line formatting; see decision_log.hpp.
#include "core/log/decision_log.hpp"

namespace sw::log {

std::string format_decision(const DecisionLine& d) {
    std::string s;
    s.reserve(256);
    s += d.queue_id.empty() ? std::string_view("NOQUEUE") : d.queue_id;
    s += ": ";
    s += d.action;
    s += ": ";
    s += d.stage;
    s += " from ";
    s += d.client_name.empty() ? std::string_view("unknown") : d.client_name;
    s += '[';
    s += d.client_address.empty() ? std::string_view("unknown") : d.client_address;
    s += "]: ";
    s += d.reply;
    s += ';';
    for (const auto& [k, v] : d.fields) {
        s += ' ';
        s += k;
        s += '=';
        s += v;
    }
    s += " from=<";
    s += d.sender;
    s += '>';
    if (!d.recipient.empty()) {
        s += " to=<";
        s += d.recipient;
        s += '>';
    }
    return s;
}

}  // namespace sw::log
