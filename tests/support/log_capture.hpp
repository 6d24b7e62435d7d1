// LogCapture: collects every log line while it lives, so a test can assert
// the exact decision line (Postfix's ptest idea).
#pragma once

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include "core/log/msg.hpp"

namespace sw::test {

class LogCapture {
public:
    LogCapture() {
        log::init("test", {.to_syslog = false, .to_stderr = false, .capture = {}});
        log::set_capture([this](log::Severity, const std::string& line) {
            std::lock_guard lock(m_);
            lines_.push_back(line);
        });
    }
    ~LogCapture() { log::set_capture({}); }

    std::vector<std::string> lines() const {
        std::lock_guard lock(m_);
        return lines_;
    }
    bool contains(const std::string& needle) const {
        auto all = lines();
        return std::any_of(all.begin(), all.end(), [&](const auto& l) { return l.find(needle) != std::string::npos; });
    }
    std::size_t count(const std::string& needle) const {
        auto all = lines();
        return static_cast<std::size_t>(
            std::count_if(all.begin(), all.end(), [&](const auto& l) { return l.find(needle) != std::string::npos; }));
    }
    void clear() {
        std::lock_guard lock(m_);
        lines_.clear();
    }

private:
    mutable std::mutex m_;
    std::vector<std::string> lines_;
};

}  // namespace sw::test
