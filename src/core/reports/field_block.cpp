// parse_field_groups, parse_header_block; see field_block.hpp.
#include "core/reports/field_block.hpp"

#include "core/util/strings.hpp"

namespace sw::reports {
namespace {

bool is_blank(std::string_view line) { return trim(line).empty(); }

// "Name:" with a name of printable ASCII and no spaces (RFC 5322 ftext);
// returns the position of the colon or npos.
std::size_t field_colon(std::string_view line) {
    std::size_t i = 0;
    while (i < line.size() && i < 80) {
        unsigned char c = static_cast<unsigned char>(line[i]);
        if (c == ':') return i == 0 ? std::string_view::npos : i;
        if (c <= 32 || c >= 127) return std::string_view::npos;
        ++i;
    }
    return std::string_view::npos;
}

// Calls fn(line) for each line of text without its line end (LF, CRLF, CR).
template <class Fn>
void for_each_line(std::string_view text, Fn&& fn) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find_first_of("\r\n", pos);
        if (end == std::string_view::npos) end = text.size();
        if (!fn(text.substr(pos, end - pos))) return;
        if (end < text.size() && text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n') ++end;
        pos = end + 1;
    }
}

}  // namespace

std::string_view field_value(const FieldGroup& g, std::string_view name) {
    for (const auto& f : g)
        if (iequals(f.name, name)) return f.value;
    return {};
}

std::vector<FieldGroup> parse_field_groups(std::string_view text, std::size_t max_groups) {
    std::vector<FieldGroup> groups;
    FieldGroup cur;
    bool in_field = false;
    auto close_group = [&] {
        if (!cur.empty()) groups.push_back(std::move(cur));
        cur.clear();
        in_field = false;
    };
    for_each_line(text, [&](std::string_view line) {
        if (is_blank(line)) {
            close_group();
            return groups.size() < max_groups;
        }
        if ((line[0] == ' ' || line[0] == '\t') && in_field) {
            std::string& v = cur.back().value;
            std::string_view more = trim(line);
            if (v.size() < 8192) {
                if (!v.empty()) v += ' ';
                v.append(more);
            }
            return true;
        }
        std::size_t colon = field_colon(line);
        if (colon == std::string_view::npos) {
            in_field = false;  // stray text inside a group: skip it
            return true;
        }
        cur.push_back({std::string(line.substr(0, colon)), std::string(trim(line.substr(colon + 1)))});
        in_field = true;
        return true;
    });
    if (groups.size() < max_groups) close_group();
    return groups;
}

FieldGroup parse_header_block(std::string_view text) {
    // Skip leading blank lines (some MTAs put one before quoted headers).
    std::size_t start = 0;
    while (start < text.size() && (text[start] == '\n' || text[start] == '\r')) ++start;
    auto groups = parse_field_groups(text.substr(start), 1);
    return groups.empty() ? FieldGroup{} : std::move(groups.front());
}

}  // namespace sw::reports
