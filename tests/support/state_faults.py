"""What the state-fault tests (tests/reliability/map_full.py, disk_full.py)
share: ok/FAIL lines and their count, child processes killed at exit, log
reading, and a sendwarden-policyd run in the foreground on a unix socket,
asked one END-OF-MESSAGE request at a time."""
import os
import signal
import socket
import subprocess
import time

ON_ERROR = "DEFER_IF_PERMIT 4.3.0 Policy service temporarily unavailable"


class Checks:
    """Prints one line per check, with the given prefixes; counts the failures."""

    def __init__(self, ok_prefix="ok - ", fail_prefix="FAIL - "):
        self.ok_prefix, self.fail_prefix = ok_prefix, fail_prefix
        self.passed = self.failed = 0

    def __call__(self, ok, what, detail=""):
        if ok:
            self.passed += 1
            print(self.ok_prefix + what)
        else:
            self.failed += 1
            print(self.fail_prefix + what + (": " + detail if detail else ""))


PROCS = []  # every daemon started, killed by kill_all() (register it atexit)


def kill_all():
    for p in PROCS:
        if p.poll() is None:
            p.kill()
            p.wait()


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def tail(path, n=6):
    return "".join(read(path).splitlines(keepends=True)[-n:])


_qid = iter(range(0x10000, 0x7FFFFFFF))


def request(user):
    attrs = [("request", "smtpd_access_policy"), ("protocol_state", "END-OF-MESSAGE"),
             ("protocol_name", "ESMTP"), ("client_address", "127.0.0.1"), ("client_name", "localhost"),
             ("helo_name", "x"), ("sender", user), ("recipient", "rcpt@example.net"),
             ("recipient_count", "1"), ("queue_id", "%X" % next(_qid)), ("size", "1000"),
             ("sasl_method", "plain"), ("sasl_username", user)]
    return "".join("%s=%s\n" % kv for kv in attrs).encode() + b"\n"


class Policyd:
    """sendwarden-policyd -c CONF --foreground, logging to LOG, ready when its
    log has one more "ready:" line; asked on the unix socket SOCK."""

    def __init__(self, binary, conf, log, sock):
        self.log = log
        before = read(log).count(": ready: ")
        with open(log, "ab") as out:
            self.proc = subprocess.Popen([binary, "-c", conf, "--foreground"], stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=out)
        PROCS.append(self.proc)
        deadline = time.monotonic() + 10
        while read(log).count(": ready: ") == before:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("policyd did not start: " + tail(log))
            time.sleep(0.02)
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(5)
        self.sock.connect(sock)
        self.buf = b""

    def text(self):
        return read(self.log)

    def ask(self, user):
        """The reply without "action=", None when the connection is gone."""
        try:
            self.sock.sendall(request(user))
            while b"\n\n" not in self.buf:
                chunk = self.sock.recv(4096)
                if not chunk:
                    return None
                self.buf += chunk
        except OSError:
            return None
        reply, self.buf = self.buf.split(b"\n\n", 1)
        return reply.decode().removeprefix("action=")

    def stop(self):
        self.sock.close()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
