// Program-wide diagnostics in Postfix style: msg_info/msg_warn/msg_error/
// msg_fatal/msg_panic, printf-checked, to syslog (facility configurable,
// default mail), to stderr in the foreground, and to a capture sink in tests.
// Lines are sanitised (printable()) and capped; never pass secrets here.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace sw::log {

enum class Severity { Info, Warning, Error, Fatal, Panic };

struct Sinks {
    bool to_syslog = false;
    bool to_stderr = true;
    // Tests install a capture; called with the final line (prefix included).
    std::function<void(Severity, const std::string&)> capture;
};

// Program name (syslog ident and stderr prefix) and sinks. Not thread-safe:
// call at start-up before any thread runs.
void init(const std::string& program, const Sinks& sinks);

// Syslog facility by name ("mail", "local0".."local7", "daemon", "user");
// false if unknown.
bool set_facility(std::string_view name);
bool facility_known(std::string_view name);

// Replaces the capture sink (tests).
void set_capture(std::function<void(Severity, const std::string&)> capture);

void emit(Severity sev, const std::string& text);

}  // namespace sw::log

namespace sw {

void msg_info(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_warn(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_error(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
[[noreturn]] void msg_fatal(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
[[noreturn]] void msg_panic(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace sw

#define SW_PANIC(...) ::sw::msg_panic(__VA_ARGS__)
