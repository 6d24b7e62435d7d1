// A message file read as a milter would receive it: header fields (name and
// value, continuation lines kept in the value) and the body, line ends made
// CRLF (files on disk may have LF only).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sw::test {

struct MailFile {
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

MailFile read_mail_file(const std::string& path);

}  // namespace sw::test
