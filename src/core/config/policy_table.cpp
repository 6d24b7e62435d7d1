// Policy table tokenizer; see policy_table.hpp.
#include "core/config/policy_table.hpp"

namespace sw::config {

std::string table_error(const std::string& name, int line, const std::string& message) {
    return name + ":" + std::to_string(line) + ": " + message;
}

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Splits one line; returns false (and sets `error`) on a malformed quote or a
// control byte.
bool split_line(const std::string& line, TableRow& row, std::string& error) {
    std::size_t i = 0, n = line.size();
    while (true) {
        while (i < n && is_space(line[i])) ++i;
        if (i >= n || line[i] == '#') return true;
        std::string col;
        bool quoted = line[i] == '"';
        if (quoted) {
            ++i;
            bool closed = false;
            while (i < n) {
                char c = line[i++];
                if (c == '\\' && i < n && (line[i] == '"' || line[i] == '\\')) {
                    col.push_back(line[i++]);
                } else if (c == '"') {
                    closed = true;
                    break;
                } else {
                    col.push_back(c);
                }
            }
            if (!closed) { error = "unterminated quoted text"; return false; }
            if (i < n && !is_space(line[i]) && line[i] != '#') {
                error = "quoted text must be followed by a space";
                return false;
            }
        } else {
            while (i < n && !is_space(line[i])) col.push_back(line[i++]);
        }
        for (char c : col) {
            auto u = static_cast<unsigned char>(c);
            if (u < 0x20 || u == 0x7f) { error = "control character in column"; return false; }
        }
        row.columns.push_back(std::move(col));
        row.quoted.push_back(quoted);
    }
}

}  // namespace

TableRead read_table(std::istream& in, const std::string& name) {
    TableRead out;
    std::string line;
    int lineno = 0;
    while (std::getline(in, line)) {
        ++lineno;
        if (line.find('\0') != std::string::npos) {
            out.errors.push_back(table_error(name, lineno, "NUL byte in line"));
            continue;
        }
        TableRow row;
        row.line = lineno;
        std::string error;
        if (!split_line(line, row, error)) {
            out.errors.push_back(table_error(name, lineno, error));
            continue;
        }
        if (!row.columns.empty()) out.rows.push_back(std::move(row));
    }
    return out;
}

}  // namespace sw::config
