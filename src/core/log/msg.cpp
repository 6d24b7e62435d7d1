// Diagnostics sinks; see msg.hpp. Each call formats once and writes one line
// to each sink (one write() to stderr, so concurrent lines do not interleave).
#include "core/log/msg.hpp"

#include <syslog.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "core/util/strings.hpp"

namespace sw::log {
namespace {

struct State {
    std::string program = "sendwarden";
    Sinks sinks;
    int facility = LOG_MAIL;
    bool syslog_open = false;
    std::mutex capture_mutex;
};

State& state() {
    static State s;
    return s;
}

struct FacilityName {
    const char* name;
    int value;
};
constexpr FacilityName kFacilities[] = {
    {"mail", LOG_MAIL},     {"daemon", LOG_DAEMON}, {"user", LOG_USER},     {"local0", LOG_LOCAL0},
    {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},
    {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

const char* prefix(Severity sev) {
    switch (sev) {
        case Severity::Info: return "";
        case Severity::Warning: return "warning: ";
        case Severity::Error: return "error: ";
        case Severity::Fatal: return "fatal: ";
        case Severity::Panic: return "panic: ";
    }
    return "";
}

int syslog_priority(Severity sev) {
    switch (sev) {
        case Severity::Info: return LOG_INFO;
        case Severity::Warning: return LOG_WARNING;
        case Severity::Error: return LOG_ERR;
        case Severity::Fatal:
        case Severity::Panic: return LOG_CRIT;
    }
    return LOG_INFO;
}

}  // namespace

void init(const std::string& program, const Sinks& sinks) {
    auto& s = state();
    s.program = program;
    s.sinks = sinks;
    if (sinks.to_syslog && !s.syslog_open) {
        openlog(s.program.c_str(), LOG_PID | LOG_NDELAY, s.facility);
        s.syslog_open = true;
    }
}

bool facility_known(std::string_view name) {
    for (const auto& f : kFacilities)
        if (name == f.name) return true;
    return false;
}

bool set_facility(std::string_view name) {
    for (const auto& f : kFacilities) {
        if (name == f.name) {
            auto& s = state();
            s.facility = f.value;
            if (s.syslog_open) {
                closelog();
                openlog(s.program.c_str(), LOG_PID | LOG_NDELAY, s.facility);
            }
            return true;
        }
    }
    return false;
}

void set_capture(std::function<void(Severity, const std::string&)> capture) {
    auto& s = state();
    std::lock_guard lock(s.capture_mutex);
    s.sinks.capture = std::move(capture);
}

void emit(Severity sev, const std::string& text) {
    auto& s = state();
    std::string line = std::string(prefix(sev)) + printable(text);
    if (s.sinks.to_syslog) syslog(s.facility | syslog_priority(sev), "%s", line.c_str());
    if (s.sinks.to_stderr) {
        std::string out = s.program + "[" + std::to_string(getpid()) + "]: " + line + "\n";
        [[maybe_unused]] auto n = ::write(STDERR_FILENO, out.data(), out.size());
    }
    std::lock_guard lock(s.capture_mutex);
    if (s.sinks.capture) s.sinks.capture(sev, line);
}

}  // namespace sw::log

namespace sw {
namespace {

// format(printf, 1, 0): fmt is a printf format whose arguments come as a
// va_list, so clang's -Wformat-nonliteral accepts the vsnprintf calls below.
__attribute__((format(printf, 1, 0))) std::string vformat(const char* fmt, va_list ap) {
    char buf[2048];
    va_list copy;
    va_copy(copy, ap);
    int n = std::vsnprintf(buf, sizeof buf, fmt, copy);
    va_end(copy);
    if (n < 0) return "(format error)";
    if (static_cast<size_t>(n) < sizeof buf) return std::string(buf, static_cast<size_t>(n));
    std::string big(static_cast<size_t>(n) + 1, '\0');
    std::vsnprintf(big.data(), big.size(), fmt, ap);
    big.resize(static_cast<size_t>(n));
    return big;
}

}  // namespace

#define SW_MSG_BODY(sev)              \
    va_list ap;                       \
    va_start(ap, fmt);                \
    std::string text = vformat(fmt, ap); \
    va_end(ap);                       \
    log::emit(sev, text)

void msg_info(const char* fmt, ...) { SW_MSG_BODY(log::Severity::Info); }
void msg_warn(const char* fmt, ...) { SW_MSG_BODY(log::Severity::Warning); }
void msg_error(const char* fmt, ...) { SW_MSG_BODY(log::Severity::Error); }

void msg_fatal(const char* fmt, ...) {
    SW_MSG_BODY(log::Severity::Fatal);
    std::exit(1);
}

void msg_panic(const char* fmt, ...) {
    SW_MSG_BODY(log::Severity::Panic);
    std::abort();
}

#undef SW_MSG_BODY

}  // namespace sw
