// sd_notify(3) wrappers; see service_notify.hpp.
#include "core/util/service_notify.hpp"

#include <systemd/sd-daemon.h>

#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace sw::service {

namespace {
// The state is sent as one datagram; newlines in a status would start a
// new assignment, so they are flattened.
std::string one_line(std::string s) {
    for (char& c : s)
        if (c == '\n' || c == '\r') c = ' ';
    return s;
}
}  // namespace

void ready(const std::string& status) { sd_notify(0, ("READY=1\nSTATUS=" + one_line(status)).c_str()); }

void reloading() {
    // Type=notify-reload (systemd 253+) wants MONOTONIC_USEC with it;
    // older managers ignore the extra field.
    sd_notifyf(0, "RELOADING=1\nSTATUS=reloading\nMONOTONIC_USEC=%llu",
               static_cast<unsigned long long>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                   std::chrono::steady_clock::now().time_since_epoch())
                                                   .count()));
}

void reloaded(const std::string& status) { sd_notify(0, ("READY=1\nSTATUS=" + one_line(status)).c_str()); }

void stopping() { sd_notify(0, "STOPPING=1\nSTATUS=stopping"); }

void watchdog() { sd_notify(0, "WATCHDOG=1"); }

std::optional<std::chrono::microseconds> watchdog_interval() {
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
    return std::chrono::microseconds(usec / 2);
}

bool stderr_is_journal() {
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (stream == nullptr) return false;
    unsigned long long dev = 0, ino = 0;
    if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
    struct stat st{};
    if (fstat(2, &st) != 0) return false;
    return static_cast<unsigned long long>(st.st_dev) == dev && static_cast<unsigned long long>(st.st_ino) == ino;
}

}  // namespace sw::service
