// Telling systemd (Type=notify units) where a daemon is in its life:
// ready to serve, reloading, stopping, and alive (the watchdog). Every call
// is a no-op when the daemon was not started by systemd (no NOTIFY_SOCKET),
// so the daemons call them unconditionally.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace sw::service {

// READY=1 with a one-line STATUS= ("policy service on inet:127.0.0.1:10040").
void ready(const std::string& status);
// RELOADING=1 before a SIGHUP reload, READY=1 again after it (whether the
// reload was taken or refused: the daemon serves either way).
void reloading();
void reloaded(const std::string& status);
void stopping();
// WATCHDOG=1: sent from the loop that does the daemon's work, so a wedged
// loop stops the pings and systemd restarts the service.
void watchdog();

// How often to send watchdog(): half of WatchdogSec= when the unit sets it
// for this process, nothing otherwise.
std::optional<std::chrono::microseconds> watchdog_interval();

// True when stderr is connected to the journal (JOURNAL_STREAM names it):
// the daemons' syslog lines reach the journal already, so they do not
// copy them to stderr, which would log each line twice.
bool stderr_is_journal();

}  // namespace sw::service
