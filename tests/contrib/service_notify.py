#!/usr/bin/env python3
"""The daemons speak systemd's notify protocol (sd_notify(3)) as a
Type=notify unit with WatchdogSec= expects: READY=1 once serving, WATCHDOG=1
at half the watchdog interval, RELOADING=1 then READY=1 around a SIGHUP
reload, STOPPING=1 on SIGTERM. The test plays the service manager: it binds
the datagram socket systemd would, and hands it to each daemon through
NOTIFY_SOCKET and WATCHDOG_USEC, as systemd does. Run from the build
directory (make check); exit 0 passed, 1 failed, 77 skipped."""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("SW_BUILDDIR", os.getcwd())
DAEMONS = {
    "policyd": os.path.join(BUILD, "src/policyd/sendwarden-policyd"),
    "milter": os.path.join(BUILD, "src/milter/sendwarden-milter"),
}
WATCHDOG_USEC = 2_000_000  # pings expected every second; systemd would act after 2 s
failures = 0


def report(ok, what):
    global failures
    print(("PASS: " if ok else "FAIL: ") + what, flush=True)
    if not ok:
        failures += 1


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Manager:
    """The service manager's end: collects the daemon's notifications."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.messages = []  # (monotonic time, {key: value})

    def collect(self, seconds):
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                return
            fields = dict(line.split("=", 1) for line in data.decode().split("\n") if "=" in line)
            self.messages.append((time.monotonic(), fields))

    def wait_for(self, key, seconds, start=None):
        """The index of the first message from start (default: from now on) holding key."""
        start = len(self.messages) if start is None else start
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for i in range(start, len(self.messages)):
                if key in self.messages[i][1]:
                    return i
            self.collect(0.05)
        return None


def run(name, tmp):
    state = os.path.join(tmp, name + "-state")
    policy = os.path.join(tmp, "policy")
    os.makedirs(policy, exist_ok=True)
    for f in ("limits", "orgs"):
        open(os.path.join(policy, f), "a").close()
    conf = os.path.join(tmp, name + ".conf")
    port = free_port()
    with open(conf, "w") as f:
        f.write("[global]\npolicy_dir = %s\n[store]\nstate_dir = %s\ncounters_max_size = 16m\ndata_max_size = 16m\n"
                "[policyd]\nlisten = inet:127.0.0.1:%d\n[milter]\nsocket = inet:%d@127.0.0.1\n"
                "[dns]\nserver = 127.0.0.1:9\n" % (policy, state, port, port))
    notify = os.path.join(tmp, name + ".notify")
    manager = Manager(notify)
    env = dict(os.environ, NOTIFY_SOCKET=notify, WATCHDOG_USEC=str(WATCHDOG_USEC))
    log = open(os.path.join(tmp, name + ".log"), "w")
    proc = subprocess.Popen([DAEMONS[name], "-c", conf, "--foreground"], env=env, stdin=subprocess.DEVNULL,
                            stdout=log, stderr=subprocess.STDOUT)
    env["WATCHDOG_PID"] = str(proc.pid)
    try:
        i = manager.wait_for("READY", 10)
        ready = manager.messages[i][1] if i is not None else {}
        report(i is not None and ready.get("READY") == "1" and str(port) in ready.get("STATUS", ""),
               "%s: READY=1 with a STATUS naming its socket (%s)" % (name, ready.get("STATUS")))
        # Connectable once READY was sent: Postfix may be started right after.
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
        report(True, "%s: its socket accepts a connection once READY=1 was sent" % name)

        manager.collect(3.5)
        pings = [t for t, m in manager.messages if m.get("WATCHDOG") == "1"]
        gaps = [b - a for a, b in zip(pings, pings[1:])]
        # The bound is the watchdog's own (systemd restarts the service past
        # it), not a performance figure: pings come at half of it.
        report(len(pings) >= 3 and max(gaps, default=9) < WATCHDOG_USEC / 1e6,
               "%s: WATCHDOG=1 at half the interval (%d pings in 3.5 s, longest gap %.3f s, limit %.3f s)"
               % (name, len(pings), max(gaps, default=0), WATCHDOG_USEC / 1e6))

        proc.send_signal(signal.SIGHUP)
        r = manager.wait_for("RELOADING", 5)
        after = manager.wait_for("READY", 5, start=r + 1) if r is not None else None
        report(r is not None and after is not None and "MONOTONIC_USEC" in manager.messages[r][1],
               "%s: SIGHUP gives RELOADING=1 (with MONOTONIC_USEC), then READY=1" % name)

        proc.send_signal(signal.SIGTERM)
        s = manager.wait_for("STOPPING", 5)
        rc = proc.wait(timeout=20)
        report(s is not None and rc == 0, "%s: SIGTERM gives STOPPING=1 and exit 0 (exit %s)" % (name, rc))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    if failures:
        print(open(os.path.join(tmp, name + ".log")).read())

    # Without NOTIFY_SOCKET (started by hand, by another init) nothing changes.
    env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC")}
    proc = subprocess.Popen([DAEMONS[name], "-c", conf, "--foreground"], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ok = False
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            ok = True
            break
        except OSError:
            time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(timeout=20)
    report(ok and rc == 0, "%s: without NOTIFY_SOCKET it serves and stops as before" % name)


def main():
    for path in DAEMONS.values():
        if not os.access(path, os.X_OK):
            print("SKIP: %s not built" % path)
            return 77
    with tempfile.TemporaryDirectory(prefix="sw-notify.") as tmp:
        for name in DAEMONS:
            run(name, tmp)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
