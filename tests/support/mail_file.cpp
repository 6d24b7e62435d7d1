// read_mail_file; see mail_file.hpp.
#include "support/mail_file.hpp"

#include <fstream>
#include <sstream>

namespace sw::test {

MailFile read_mail_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream raw;
    raw << in.rdbuf();
    std::string text;
    for (char c : raw.str()) {
        if (c == '\n' && (text.empty() || text.back() != '\r')) text.push_back('\r');
        text.push_back(c);
    }
    MailFile m;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto eol = text.find("\r\n", pos);
        if (eol == std::string::npos) eol = text.size();
        std::string line = text.substr(pos, eol - pos);
        pos = std::min(text.size(), eol + 2);
        if (line.empty()) break;  // end of the header block
        if ((line[0] == ' ' || line[0] == '\t') && !m.headers.empty()) {
            m.headers.back().second += "\r\n" + line;
            continue;
        }
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;  // not a header field: skipped
        std::string value = line.substr(colon + 1);
        // as Postfix hands it to a milter: without the one space after the colon
        if (!value.empty() && value[0] == ' ') value.erase(0, 1);
        m.headers.emplace_back(line.substr(0, colon), value);
    }
    m.body = pos < text.size() ? text.substr(pos) : std::string();
    return m;
}

}  // namespace sw::test
