// Notification of an org's emergency contacts through the local sendmail
// (issue "Rates and automatic pause"): what happened and how to resume. The
// message goes to Postfix's queue like any other; sendwarden never speaks
// SMTP itself.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/util/result.hpp"

namespace sw::reputation {

struct Notice {
    std::string org;
    std::string what;       // "paused", "warned"
    std::string reason;     // "bounce rate 12.0% >= 10.0% (250 sent)"
    std::string action;     // "hold" or "defer"
    std::string host;       // where to run the resume command
    std::vector<std::string> contacts;
};

// The RFC 5322 message (headers and body, LF line ends).
std::string compose_notice(const Notice& n, const std::string& from, std::int64_t now);

// Pipes the message to `sendmail_path -i -f FROM -- CONTACTS...` and waits
// for it; a non-zero exit or a failure to start is an error.
Result<void> send_notice(const Notice& n, const std::string& sendmail_path, const std::string& from, std::int64_t now);

// notify_from, or postmaster@HOST when it is empty.
std::string notice_sender(const std::string& notify_from);

}  // namespace sw::reputation
