// Reading a policy table: one record a line, whitespace-separated columns,
// '#' comments, double-quoted columns for text with spaces ("4.7.1 slow
// down", with \" and \\ escapes). Syntax errors are "file:line: message".
// The meaning of the columns belongs to each table's own parser.
#pragma once

#include <istream>
#include <string>
#include <vector>

namespace sw::config {

struct TableRow {
    int line = 0;
    std::vector<std::string> columns;
    std::vector<bool> quoted;  // per column: was it written in quotes
};

struct TableRead {
    std::vector<TableRow> rows;
    std::vector<std::string> errors;
};

TableRead read_table(std::istream& in, const std::string& name);

// "name:line: message"; `name` is the path as the operator gave it.
std::string table_error(const std::string& name, int line, const std::string& message);

}  // namespace sw::config
