// Reading sendwarden.conf: a line-aware INI scan (Program_options alone
// reports no line numbers), then Boost.Program_options for typing and
// defaults. Every problem is reported as "file:line: message"; all of them
// are collected, none stops the scan.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/config/config.hpp"

namespace sw::config {

struct ConfigLoad {
    std::shared_ptr<const Config> config;  // null when errors is not empty
    std::vector<std::string> errors;
};

ConfigLoad load_config(const std::string& path);

// The same, from text (tests); `path` only names it in messages.
ConfigLoad parse_config(const std::string& text, const std::string& path);

}  // namespace sw::config
