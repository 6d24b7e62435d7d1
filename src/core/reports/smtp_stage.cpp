// smtp_command_in; see smtp_stage.hpp.
#include "core/reports/smtp_stage.hpp"

#include <array>
#include <utility>

#include "core/util/strings.hpp"

namespace sw::reports {
namespace {

// Phrase -> command; the earliest phrase in the text wins. Not Sendmail's
// ">>> DATA": with PIPELINING the RCPT TO replies are shown after it.
constexpr std::array<std::pair<std::string_view, std::string_view>, 21> phrases = {{
    {"in reply to end of data command", "DATA"},
    {"in reply to data command", "DATA"},
    {"after end of data", "DATA"},
    {"after data", "DATA"},
    {"smtp command data", "DATA"},
    {"smtp command: data", "DATA"},
    {"in reply to rcpt to command", "RCPT"},
    {"after rcpt to", "RCPT"},
    {">>> rcpt to", "RCPT"},
    {"rcpt to response", "RCPT"},
    {"smtp command rcpt", "RCPT"},
    {"in reply to mail from command", "MAIL"},
    {"after mail from", "MAIL"},
    {">>> mail from", "MAIL"},
    {"in reply to helo command", "HELO"},
    {"in reply to ehlo command", "HELO"},
    {"after helo", "HELO"},
    {"after ehlo", "HELO"},
    {"after initial connection", "CONN"},
    {"while connecting", "CONN"},
    {"in reply to initial greeting", "CONN"},
}};

// Lower-cased with every run of white space made one space: the phrases
// are often folded ("(in reply to end of DATA\n    command)").
std::string folded(std::string_view text) {
    std::string t;
    t.reserve(text.size());
    bool space = false;
    for (char c : text) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = true;
            continue;
        }
        if (space && !t.empty()) t += ' ';
        space = false;
        t += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    return t;
}

// A Sendmail transcript where the refusal answers DATA itself: ">>> DATA"
// then "<<< 5xx", and no "503 need RCPT" showing the RCPT replies were
// merely pipelined behind it.
std::size_t sendmail_data_refusal(std::string_view t) {
    auto p = t.find(">>> data <<< ");
    if (p == std::string_view::npos) return std::string_view::npos;
    char cls = p + 13 < t.size() ? t[p + 13] : '\0';
    if (cls != '5' && cls != '4') return std::string_view::npos;
    std::string_view rest = t.substr(p);
    if (rest.find("503") != std::string_view::npos || rest.find("need rcpt") != std::string_view::npos ||
        rest.find("no valid recipients") != std::string_view::npos)
        return std::string_view::npos;
    return p;
}

}  // namespace

std::string smtp_command_in(std::string_view text) {
    std::string t = folded(text);
    std::size_t best = sendmail_data_refusal(t);
    std::string_view cmd = best == std::string::npos ? "" : "DATA";
    for (auto [phrase, c] : phrases) {
        auto p = t.find(phrase);
        if (p < best) {
            best = p;
            cmd = c;
        }
    }
    return std::string(cmd);
}

}  // namespace sw::reports
