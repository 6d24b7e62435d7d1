// bounce_text, html_to_text; see bounce_text.hpp.
#include "core/reports/bounce_text.hpp"

#include <algorithm>
#include <array>

#include "core/util/strings.hpp"

namespace sw::reports {
namespace {

constexpr std::size_t max_notice = 256 * 1024;

// Separator lines before an inline copy of the original, lower-cased.
constexpr std::array<std::string_view, 24> copy_markers = {
    "below this line is a copy of the message", "this is a copy of the message",
    "original message follows", "original message headers", "----- original message",
    "-----original message", "--- original message", "returned message follows",
    "------ returned message", "----- unsent message below", "unsent message follows",
    "undelivered message follows", "headers of the original message", "message headers follow",
    "original message header", "----- message header follows", "text of the message follows",
    "the text of your message", "copy of the original message", "------ failed message",
    "the first lines of the message", "returned mail follows", "original mail follows",
    "rejected message follows"};

bool header_line(std::string_view line) {
    static constexpr std::array<std::string_view, 6> starts = {"received: ", "return-path: ", "message-id: ",
                                                               "from: ", "date: ", "x-"};
    std::string l = to_lower(line.substr(0, 14));
    for (auto s : starts)
        if (l.rfind(s, 0) == 0) return true;
    return false;
}

// Offset where the quoted original starts, or npos: a marker line, else a
// run of header lines ("Received: ..." then more "Name: value" lines).
std::size_t copy_start(std::string_view t) {
    const std::string lower = to_lower(t);
    std::size_t pos = 0;
    std::size_t line_no = 0;
    while (pos < t.size()) {
        std::size_t end = t.find('\n', pos);
        if (end == std::string_view::npos) end = t.size();
        std::string_view line = t.substr(pos, end - pos);
        std::string_view l = std::string_view(lower).substr(pos, std::min<std::size_t>(line.size(), 160));
        for (auto mk : copy_markers)
            if (l.find(mk) != std::string_view::npos) return pos;
        // Headers quoted without a marker: two header lines in a row at
        // column 0, starting with Received:/Return-Path:.
        if (line_no > 2 && (l.rfind("received: ", 0) == 0 || l.rfind("return-path: ", 0) == 0)) {
            std::size_t next = end + 1;
            std::size_t nend = next < t.size() ? t.find('\n', next) : std::string_view::npos;
            std::string_view nl = next < t.size() ? t.substr(next, (nend == std::string_view::npos ? t.size() : nend) - next)
                                                  : std::string_view();
            if (!nl.empty() && (nl[0] == ' ' || nl[0] == '\t' || header_line(nl))) return pos;
        }
        pos = end + 1;
        ++line_no;
    }
    return std::string_view::npos;
}

}  // namespace

std::string html_to_text(std::string_view h) {
    std::string out;
    out.reserve(h.size() / 2);
    std::size_t i = 0;
    while (i < h.size()) {
        char c = h[i];
        if (c == '<') {
            std::size_t close = h.find('>', i);
            if (close == std::string_view::npos) break;
            std::string tag = to_lower(h.substr(i + 1, std::min<std::size_t>(close - i - 1, 8)));
            if (tag.rfind("br", 0) == 0 || tag.rfind("p", 0) == 0 || tag.rfind("/p", 0) == 0 ||
                tag.rfind("div", 0) == 0 || tag.rfind("/div", 0) == 0 || tag.rfind("tr", 0) == 0 ||
                tag.rfind("/tr", 0) == 0 || tag.rfind("li", 0) == 0)
                out += '\n';
            else if (tag.rfind("td", 0) == 0)
                out += ' ';
            // Skip style and script bodies.
            if (tag.rfind("style", 0) == 0 || tag.rfind("script", 0) == 0) {
                std::string end_tag = tag.rfind("style", 0) == 0 ? "</style" : "</script";
                std::size_t e = to_lower(h.substr(close)).find(end_tag);
                i = e == std::string::npos ? h.size() : close + e;
                continue;
            }
            i = close + 1;
        } else if (c == '&') {
            static constexpr std::array<std::pair<std::string_view, char>, 6> ents = {
                {{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&nbsp;", ' '}, {"&quot;", '"'}, {"&#39;", '\''}}};
            bool done = false;
            for (auto [name, ch] : ents) {
                if (h.substr(i, name.size()) == name) {
                    out += ch;
                    i += name.size();
                    done = true;
                    break;
                }
            }
            if (!done) out += h[i++];
        } else {
            out += c == '\r' ? '\n' : c;
            ++i;
        }
    }
    return out;
}

BounceText bounce_text(const MimeMessage& m) {
    BounceText bt;
    bool have_plain = false;
    for (const auto& leaf : m.leaves)
        if (leaf.message_level == 0 && leaf.content_type == "text/plain" && !trim(leaf.body).empty()) have_plain = true;
    for (const auto& leaf : m.leaves) {
        if (leaf.message_level != 0 || bt.notice.size() >= max_notice || bt.quoted.size() >= max_notice) continue;
        if (leaf.content_type == "text/plain" || leaf.content_type == "text" ||
            (leaf.content_type == "text/html" && !have_plain)) {
            std::string text = leaf.content_type == "text/html" ? html_to_text(leaf.body) : leaf.body;
            if (!bt.quoted.empty()) {  // after the copy started, the rest is the copy
                bt.quoted.append(text, 0, max_notice);
                continue;
            }
            std::size_t cut = copy_start(text);
            if (!bt.notice.empty()) bt.notice += '\n';
            bt.notice.append(text, 0, std::min(cut, max_notice - bt.notice.size()));
            if (cut != std::string::npos) bt.quoted = text.substr(cut);
        }
    }
    bt.lower = to_lower(bt.notice);
    return bt;
}

}  // namespace sw::reports
