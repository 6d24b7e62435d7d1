// DKIM relaxed canonicalization; see dkim_canon.hpp.
#include "core/dkim/dkim_canon.hpp"

#include <cstring>

namespace sw::dkim {
namespace {

bool wsp(char c) { return c == ' ' || c == '\t'; }
bool special(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The end of the run from `i` that canonicalization leaves as it is: text
// with single spaces inside it (a space followed by more text).
std::size_t plain_run_end(std::string_view s, std::size_t i) {
    std::size_t end = i;
    while (end < s.size()) {
        char c = s[end];
        if (c == ' ' && end + 1 < s.size() && !special(s[end + 1])) {
            end += 2;
            continue;
        }
        if (special(c)) break;
        ++end;
    }
    return end;
}

// A whole line (without its LF) that canonicalization leaves as it is: no
// tab, no two spaces in a row, nothing but its CR at the end that is
// whitespace, no other CR. Most lines of real mail are such lines.
bool plain_line(std::string_view line) {
    if (line.empty() || line.back() != '\r') return false;
    line.remove_suffix(1);
    if (line.empty()) return false;  // an empty line: held back, the slow way
    if (line.back() == ' ' || line.front() == ' ') return false;
    if (std::memchr(line.data(), '\t', line.size()) || std::memchr(line.data(), '\r', line.size())) return false;
    return line.find("  ") == std::string_view::npos;
}

constexpr std::size_t kFlushAt = 16 * 1024;

}  // namespace

void append_relaxed_header(std::string& out, std::string_view name, std::string_view value) {
    while (!name.empty() && wsp(name.back())) name.remove_suffix(1);
    for (char c : name) out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    out.push_back(':');
    bool space = false, started = false;
    for (char c : value) {
        if (c == '\r' || c == '\n') continue;  // unfolding
        if (wsp(c)) {
            space = true;
            continue;
        }
        if (space && started) out.push_back(' ');
        space = false;
        started = true;
        out.push_back(c);
    }
    out.append("\r\n");
}

std::string relaxed_header(std::string_view name, std::string_view value) {
    std::string out;
    out.reserve(name.size() + value.size() + 3);
    append_relaxed_header(out, name, value);
    return out;
}

void RelaxedBody::content(std::string_view run) {
    for (; empty_lines_; --empty_lines_) out_.append("\r\n");
    if (space_pending_) out_.push_back(' ');
    space_pending_ = false;
    out_.append(run);
    line_has_content_ = true;
}

void RelaxedBody::add(std::string_view chunk) {
    std::size_t i = 0;
    // Whole plain lines at once (SIMD memchr/memmem), while at a line start.
    while (!cr_pending_ && !line_has_content_ && !space_pending_ && i < chunk.size()) {
        const void* nl = std::memchr(chunk.data() + i, '\n', chunk.size() - i);
        if (!nl) break;
        std::size_t end = static_cast<std::size_t>(static_cast<const char*>(nl) - chunk.data());
        std::string_view line = chunk.substr(i, end - i);
        if (!plain_line(line)) break;
        for (; empty_lines_; --empty_lines_) out_.append("\r\n");
        out_.append(line.data(), line.size() + 1);  // with its CRLF
        i = end + 1;
        if (out_.size() >= kFlushAt) flush();
    }
    for (; i < chunk.size(); ++i) {
        char c = chunk[i];
        if (cr_pending_) {
            cr_pending_ = false;
            if (c != '\n') content("\r");  // a lone CR is ordinary text
        }
        if (!special(c)) {
            // a run of text at once
            std::size_t end = plain_run_end(chunk, i);
            content(chunk.substr(i, end - i));
            i = end - 1;
        } else if (c == '\r') {
            cr_pending_ = true;
        } else if (c == '\n') {
            if (line_has_content_) out_.append("\r\n");
            else ++empty_lines_;
            line_has_content_ = false;
            space_pending_ = false;
        } else {
            space_pending_ = true;
        }
    }
    if (out_.size() >= kFlushAt) flush();
}

void RelaxedBody::finish() {
    if (cr_pending_) {
        cr_pending_ = false;
        content("\r");
    }
    if (line_has_content_) out_.append("\r\n");
    line_has_content_ = false;
    empty_lines_ = 0;
    flush();
}

void RelaxedBody::flush() {
    if (out_.empty()) return;
    sink_(out_);
    out_.clear();
}

}  // namespace sw::dkim
