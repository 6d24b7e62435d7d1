#!/usr/bin/python3
"""Integration tests of the real sendwarden-policyd binary.

Starts sendwarden-policyd (from the build directory: $SW_BUILDDIR, default the
current directory, which is the build directory under `make check`) on
temporary configurations and drives it over its unix and TCP sockets with the
Postfix SMTPD policy protocol: listeners and persistent connections, exact
limits, bad input, stalled and idle clients, thousands of connections and
max_connections, SIGHUP reload, configuration errors at start, privilege
drop, the CLI against live counters, SIGTERM and restart.

Standard library only. Prints one `ok - ...` / `not ok - ...` line per check
and ends with `N passed, M failed`. Exit status: 0 all passed, 1 a check
failed, 77 cannot run here (automake's SKIP), 99 the watchdog fired.
Every wait is bounded; every daemon started is killed by PID at exit and every
temporary directory removed.
"""

import atexit
import json
import os
import pwd
import random
import re
import resource
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time

BUILDDIR = os.path.abspath(os.environ.get("SW_BUILDDIR", os.getcwd()))
POLICYD = os.path.join(BUILDDIR, "src", "policyd", "sendwarden-policyd")
CLI = os.path.join(BUILDDIR, "src", "cli", "sendwarden")

ON_ERROR = "DEFER_IF_PERMIT 4.3.0 Policy service temporarily unavailable"
ON_ERROR_REPLY = "action=" + ON_ERROR
EX_CONFIG = 78
WATCHDOG_SECONDS = 150

MAIN_LIMITS = """\
# written by policyd_integration.py
user * messages 5/1m 5 defer
user * recipients 3/1h 3 defer
org acme messages 8/1h 8 defer
org * messages 8/1h 8 defer
"""
MAIN_ORGS = """\
@acme.example acme
@other.example other
"""

# --------------------------------------------------------------------------
# Bookkeeping: results, daemons and temporary directories to clean up.

PASSED = 0
FAILED = 0
SKIPPED = 0
DAEMONS = []
TEMP_DIRS = []
_cleanup_lock = threading.Lock()


def report(ok, name, detail=""):
    global PASSED, FAILED
    if ok:
        PASSED += 1
        print("ok - " + name, flush=True)
    else:
        FAILED += 1
        print("not ok - " + name + (": " + detail if detail else ""), flush=True)
    return ok


def skip(name, why):
    global SKIPPED
    SKIPPED += 1
    print("ok - %s # SKIP %s" % (name, why), flush=True)


def section(func):
    """Runs one group of checks; an exception fails the group, not the run."""
    try:
        func()
    except Exception as e:  # noqa: BLE001 - any failure is a test failure
        report(False, func.__name__, "%s: %s" % (type(e).__name__, e))


def cleanup():
    with _cleanup_lock:
        for d in DAEMONS:
            d.kill()
        DAEMONS.clear()
        for t in TEMP_DIRS:
            shutil.rmtree(t, ignore_errors=True)
        TEMP_DIRS.clear()


def watchdog():
    print("not ok - watchdog: the test run exceeded %d s" % WATCHDOG_SECONDS, flush=True)
    cleanup()
    os._exit(99)


def make_temp_dir():
    d = tempfile.mkdtemp(prefix="sw-integ-")
    os.chmod(d, 0o755)  # the daemon may run as nobody, a client as another user
    TEMP_DIRS.append(d)
    return d


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


# --------------------------------------------------------------------------
# The protocol, client side.

_queue_ids = iter(range(0x10000, 0x7FFFFFFF))


def request(state="END-OF-MESSAGE", user="", sender="sender@example.org", rcpt="rcpt@example.net",
            client="127.0.0.1", size=1000, count=1, extra=(), req_type="smtpd_access_policy"):
    attrs = [
        ("request", req_type),
        ("protocol_state", state),
        ("protocol_name", "ESMTP"),
        ("client_address", client),
        ("client_name", "localhost"),
        ("reverse_client_name", "localhost"),
        ("helo_name", "x"),
        ("sender", sender),
        ("recipient", rcpt),
        ("recipient_count", str(count if state == "END-OF-MESSAGE" else 0)),
        ("queue_id", "%X" % next(_queue_ids)),
        ("instance", "%x.%x.0" % (os.getpid(), next(_queue_ids))),
        ("size", str(size)),
        ("sasl_method", "plain" if user else ""),
        ("sasl_username", user),
    ]
    attrs.extend(extra)
    return "".join("%s=%s\n" % kv for kv in attrs).encode() + b"\n"


class Conn:
    """One client connection with a reply buffer; every wait is bounded."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def send(self, data):
        self.sock.settimeout(5)
        self.sock.sendall(data)

    def reply(self, timeout=5.0):
        """The next reply's action line, e.g. 'action=DUNNO'."""
        deadline = time.monotonic() + timeout
        while b"\n\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no reply within %.1fs" % timeout)
            self.sock.settimeout(left)
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("connection closed by the daemon (got %r)" % self.buf[:200])
            self.buf += data
        block, self.buf = self.buf.split(b"\n\n", 1)
        return block.decode("utf-8", "replace")

    def ask(self, data, timeout=5.0):
        self.send(data)
        return self.reply(timeout)

    def wait_closed(self, timeout):
        """Seconds until the daemon closed the connection, None if it did not
        within `timeout`. Raises if data arrives instead."""
        start = time.monotonic()
        deadline = start + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                return None
            except (ConnectionResetError, BrokenPipeError):
                return time.monotonic() - start
            if not data:
                return time.monotonic() - start
            raise AssertionError("expected the connection to be closed, got data %r" % data[:200])

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# --------------------------------------------------------------------------
# A daemon under test.

class Daemon:
    def __init__(self, limits=MAIN_LIMITS, orgs=MAIN_ORGS, policyd="", inet=True, extra_conf="",
                 nofile=None, counters_size="64m"):
        self.dir = make_temp_dir()
        self.policy_dir = os.path.join(self.dir, "policy")
        self.state_dir = os.path.join(self.dir, "state")
        os.mkdir(self.policy_dir)
        os.chmod(self.policy_dir, 0o755)
        self.sock_path = os.path.join(self.dir, "p.sock")
        self.port = free_port() if inet else None
        self.conf = os.path.join(self.dir, "sendwarden.conf")
        self.log_path = os.path.join(self.dir, "policyd.log")
        self.nofile = nofile
        self.proc = None
        self.write_policy(limits, orgs)
        lines = [
            "[global]",
            "policy_dir = " + self.policy_dir,
            "[store]",
            "state_dir = " + self.state_dir,
            "counters_max_size = " + counters_size,
            "data_max_size = 64m",
            "[policyd]",
            "listen = unix:" + self.sock_path,
        ]
        if inet:
            lines.append("listen = inet:127.0.0.1:%d" % self.port)
        lines.append(policyd.strip("\n"))
        lines.append(extra_conf.strip("\n"))
        with open(self.conf, "w") as f:
            f.write("\n".join(l for l in lines if l) + "\n")

    def write_policy(self, limits=None, orgs=None):
        if limits is not None:
            self.write_file("limits", limits)
        if orgs is not None:
            self.write_file("orgs", orgs)

    def write_file(self, name, text):
        path = os.path.join(self.policy_dir, name)
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, path)

    def _preexec(self):
        # The daemon's descriptor limit: exactly `nofile` when given.
        if self.nofile:
            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            if hard != resource.RLIM_INFINITY and hard < self.nofile:
                hard = self.nofile  # root may raise it
            resource.setrlimit(resource.RLIMIT_NOFILE, (self.nofile, hard))

    def spawn(self):
        """Starts the daemon without waiting for it to be ready."""
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen([POLICYD, "-c", self.conf, "--foreground"], stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log, preexec_fn=self._preexec, close_fds=True)
        finally:
            log.close()
        DAEMONS.append(self)
        return self.proc

    def start(self, timeout=10.0):
        before = self.log().count(": ready: ")
        self.spawn()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.log().count(": ready: ") > before:
                return self
            if self.proc.poll() is not None:
                raise RuntimeError("sendwarden-policyd exited with %s: %s" % (self.proc.returncode, self.tail()))
            time.sleep(0.02)
        raise TimeoutError("sendwarden-policyd not ready within %.0fs: %s" % (timeout, self.tail()))

    @property
    def pid(self):
        return self.proc.pid

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def tail(self, n=8):
        return " | ".join(self.log().splitlines()[-n:])

    def log_count(self, needle):
        return self.log().count(needle)

    def wait_log(self, pattern, timeout=3.0, after=0):
        """First match of regex `pattern` in the log beyond offset `after`, or None."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.log(), after)
            if m or time.monotonic() >= deadline:
                return m
            time.sleep(0.02)

    def log_size(self):
        return len(self.log())

    def connect(self, kind="unix", timeout=5.0):
        if kind == "unix":
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            addr = self.sock_path
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            addr = ("127.0.0.1", self.port)
        s.settimeout(timeout)
        try:
            s.connect(addr)
        except OSError:
            s.close()
            raise
        return Conn(s)

    def ask(self, data, kind="unix"):
        """One request on a fresh connection."""
        c = self.connect(kind)
        try:
            return c.ask(data)
        finally:
            c.close()

    def fd_count(self):
        return len(os.listdir("/proc/%d/fd" % self.pid))

    def signal(self, sig):
        os.kill(self.pid, sig)

    def stop(self, timeout=5.0):
        """SIGTERM; the exit status, or None if it had to be killed."""
        if not self.running():
            return self.proc.returncode if self.proc else None
        os.kill(self.pid, signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self):
        if self.running():
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc is not None:
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass


# --------------------------------------------------------------------------
# The checks. MAIN is the shared daemon (request_timeout = 2s, on_error default).

MAIN = None


def check_listeners():
    r = MAIN.ask(request(user="listen-unix"), "unix")
    report(r == "action=DUNNO", "unix socket listener answers", r)
    r = MAIN.ask(request(user="listen-inet"), "inet")
    report(r == "action=DUNNO", "inet:127.0.0.1:%d listener answers" % MAIN.port, r)

    for kind in ("unix", "inet"):
        c = MAIN.connect(kind)
        try:
            replies = [c.ask(request(state="RCPT", sender="persist%d-%s@example.org" % (i, kind)))
                       for i in range(50)]
        finally:
            c.close()
        bad = [r for r in replies if r != "action=DUNNO"]
        report(len(replies) == 50 and not bad, "persistent %s connection: 50 requests, 50 answers" % kind,
               "%d unexpected: %r" % (len(bad), bad[:3]))

    # Pipelined: 20 requests in one write, 20 answers in order.
    c = MAIN.connect()
    try:
        c.send(b"".join(request(state="RCPT", sender="pipe%d@example.org" % i) for i in range(20)))
        replies = [c.reply() for _ in range(20)]
    finally:
        c.close()
    report(replies == ["action=DUNNO"] * 20, "20 pipelined requests in one write get 20 answers", repr(replies[:3]))


def check_limits():
    # user * messages 5/1m 5: exactly five pass, the sixth is deferred.
    c = MAIN.connect()
    try:
        replies = [c.ask(request(user="quota-user@example.org")) for _ in range(6)]
    finally:
        c.close()
    expected_defer = re.compile(r"^action=450 4\.7\.1 user quota-user@example\.org: 5 messages/1m reached, "
                                r"retry in (\d+)s$")
    m = expected_defer.match(replies[5])
    report(replies[:5] == ["action=DUNNO"] * 5 and m is not None and 1 <= int(m.group(1)) <= 12,
           "user * messages 5/1m 5 defer: exactly 5 DUNNO, then 450 4.7.1 ... retry in Ns", repr(replies))
    # RCPT checks messages without charging them: the user is refused early.
    r = MAIN.ask(request(state="RCPT", user="quota-user@example.org"))
    report(expected_defer.match(r) is not None, "a user over its message quota is refused at RCPT already", r)
    # Another user is unaffected.
    r = MAIN.ask(request(user="quota-other@example.org"))
    report(r == "action=DUNNO", "another user's bucket is separate", r)

    # org acme messages 8/1h 8: shared by every user of the org.
    c = MAIN.connect("inet")
    try:
        replies = [c.ask(request(user="alice@acme.example")) for _ in range(4)]
        replies += [c.ask(request(user="bob@ACME.example")) for _ in range(4)]
        ninth = c.ask(request(user="carol@acme.example"))
    finally:
        c.close()
    m = re.match(r"^action=450 4\.7\.1 org acme: 8 messages/1h reached, retry in (\d+)s$", ninth)
    report(replies == ["action=DUNNO"] * 8 and m is not None,
           "org bucket shared by users of the org: 4+4 pass, a third user is deferred", repr(replies + [ninth]))
    # org * messages 8/1h: org other has a bucket of its own, still full.
    replies = [MAIN.ask(request(user="u%d@other.example" % i)) for i in range(8)]
    ninth = MAIN.ask(request(user="u9@other.example"))
    report(replies == ["action=DUNNO"] * 8 and ninth.startswith("action=450 4.7.1 org other: 8 messages/1h"),
           "another org is unaffected: its own 8 pass, then its own limit applies", repr(replies[-1:] + [ninth]))

    # user * recipients 3/1h: charged at RCPT, the fourth recipient deferred.
    c = MAIN.connect()
    try:
        replies = [c.ask(request(state="RCPT", user="rcpt-user@example.org", rcpt="r%d@example.net" % i))
                   for i in range(4)]
    finally:
        c.close()
    m = re.match(r"^action=450 4\.7\.1 user rcpt-user@example\.org: 3 recipients/1h reached, retry in (\d+)s$",
                 replies[3])
    report(replies[:3] == ["action=DUNNO"] * 3 and m is not None and 1 <= int(m.group(1)) <= 1200,
           "user * recipients 3/1h 3 defer: the 4th RCPT is deferred", repr(replies))
    # Recipients are not charged at END-OF-MESSAGE: a message still passes.
    r = MAIN.ask(request(user="rcpt-user@example.org", count=4))
    report(r == "action=DUNNO", "recipients are charged at RCPT only (END-OF-MESSAGE passes)", r)


_good_user = iter(range(1000000))


def good_request_elsewhere(kind="unix"):
    """A normal request on a new connection: DUNNO for a fresh user."""
    return MAIN.ask(request(user="fresh%d@example.org" % next(_good_user)), kind)


def bad_input(name, payload, reason_rx, replies_expected=1):
    """Sends `payload` on its own connection: expects on_error replies, a
    warning with `reason_rx` in the log, the same connection still in sync,
    and another connection served."""
    offset = MAIN.log_size()
    c = MAIN.connect()
    try:
        c.send(payload)
        replies = [c.reply() for _ in range(replies_expected)]
        after = c.ask(request(user="after-bad%d@example.org" % next(_good_user)))
    finally:
        c.close()
    warning = MAIN.wait_log(r"warning: bad request from unix:\S+: " + reason_rx, 2, offset)
    other = good_request_elsewhere()
    report(replies == [ON_ERROR_REPLY] * replies_expected and warning is not None and after == "action=DUNNO"
           and other == "action=DUNNO" and MAIN.running(),
           "bad input, %s: on_error reply, warning logged, connection in sync, others served" % name,
           "replies=%r warning=%s same-conn=%r other=%r log: %s" % (replies[:3], bool(warning), after, other,
                                                                  MAIN.tail(3)))


def check_bad_input():
    # Oversized: 200 KB of attribute data (50 attributes of 4 KB), then the blank line.
    big = b"request=smtpd_access_policy\nprotocol_state=RCPT\n" + b"".join(
        b"pad%d=%s\n" % (i, b"x" * 4000) for i in range(50)) + b"\n"
    bad_input("200 KB request", big, r"request larger than max_request_size \(65536 bytes\)")

    bad_input("line without '='", b"request=smtpd_access_policy\nprotocol_state=RCPT\nthis line has no equals\n\n",
              r"line 3 has no '='")
    bad_input("NUL byte", request(state="RCPT", sender="nul\x00byte@example.org"), r"NUL byte in request")
    bad_input("request=foo", request(req_type="foo"), r"unknown request type 'foo'")
    hundred_one = b"request=smtpd_access_policy\nprotocol_state=RCPT\n" + b"".join(
        b"x%d=y\n" % i for i in range(99)) + b"\n"
    bad_input("101 attributes", hundred_one, r"more than 100 attributes")

    # Random binary (seeded, so reproducible) in three blank-line-terminated blocks.
    rnd = random.Random(20240601)
    blocks = []
    for _ in range(3):
        lines = [bytes(rnd.choice([b for b in range(256) if b != 10]) for _ in range(rnd.randint(20, 300)))
                 for _ in range(rnd.randint(1, 6))]
        blocks.append(b"\n".join(lines) + b"\n\n")
    bad_input("random binary garbage", b"".join(blocks), r"(NUL byte|line \d+ has|unknown request type)",
              replies_expected=3)

    # Exactly 100 attributes is still fine.
    hundred = b"request=smtpd_access_policy\nprotocol_state=RCPT\nsender=a@example.org\n" + b"".join(
        b"x%d=y\n" % i for i in range(97)) + b"\n"
    r = MAIN.ask(hundred)
    report(r == "action=DUNNO", "a request of exactly 100 attributes is accepted", r)


def check_request_size_edges():
    # The limit is exact whatever the read boundaries: a 60 KB request is
    # served, a 67 KB request (complete, sent in one write) gets on_error.
    def sized(total):
        head = b"request=smtpd_access_policy\nprotocol_state=RCPT\nsender=size@example.org\n"
        body = b""
        i = 0
        while len(head) + len(body) + 1 < total:
            chunk = min(4000, total - len(head) - len(body) - 1 - len(b"pad%d=\n" % i))
            body += b"pad%d=%s\n" % (i, b"y" * max(chunk, 0))
            i += 1
        return head + body + b"\n"

    under, over = sized(60 * 1024), sized(67 * 1024)
    c = MAIN.connect()
    try:
        r_under = c.ask(under)
        r_over = c.ask(over)
        r_next = c.ask(request(user="size-next@example.org"))
    finally:
        c.close()
    report(r_under == "action=DUNNO", "a 60 KB request (under max_request_size 64k) is served", r_under)
    report(r_over == ON_ERROR_REPLY and r_next == "action=DUNNO",
           "a complete 67 KB request (over max_request_size 64k) gets on_error, the connection goes on",
           "over=%r next=%r" % (r_over, r_next))


def check_on_error_disconnect():
    d = Daemon(policyd="on_error = disconnect\nsocket_mode = 0666", inet=False).start()
    try:
        offset = d.log_size()
        c = d.connect()
        try:
            c.send(b"request=smtpd_access_policy\nno equals sign here\n\n")
            closed = c.wait_closed(3)
        finally:
            c.close()
        warned = d.wait_log(r"warning: bad request from unix:\S+: line 2 has no '='; disconnecting", 2, offset)
        r = d.ask(request(user="disc@example.org"))
        report(closed is not None and warned is not None and r == "action=DUNNO",
               "on_error = disconnect: a bad request is closed without a reply, others served",
               "closed=%s warned=%s other=%r" % (closed, bool(warned), r))

        # Oversized under disconnect: closed too, no reply at all.
        c = d.connect()
        try:
            try:
                c.send(b"request=smtpd_access_policy\n" + b"pad=" + b"z" * 200000 + b"\n\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # closed while we were still writing: fine
            closed = c.wait_closed(3)
        finally:
            c.close()
        r = d.ask(request(user="disc2@example.org"))
        report(closed is not None and r == "action=DUNNO" and d.running(),
               "on_error = disconnect: an oversized request is closed without a reply, others served",
               "closed=%s other=%r" % (closed, r))
    finally:
        d.stop()


def check_stalled():
    offset = MAIN.log_size()
    stalled = MAIN.connect()
    idle = MAIN.connect("inet")
    try:
        stalled.send(b"request=smtpd_access_policy\nprotocol_state=RCPT\nsender=stall@example.org\n")
        t0 = time.monotonic()
        c = MAIN.connect()
        try:
            start = time.monotonic()
            replies = [c.ask(request(state="RCPT", sender="busy%d@example.org" % i), timeout=3) for i in range(100)]
            took = time.monotonic() - start
        finally:
            c.close()
        report(replies == ["action=DUNNO"] * 100 and took < 3.0,
               "a stalled half request does not block others: 100 requests answered in %.2fs" % took,
               repr(replies[:2]))

        closed = stalled.wait_closed(6.0 - (time.monotonic() - t0))
        closed_after = None if closed is None else time.monotonic() - t0
        warned = MAIN.wait_log(r"warning: unix:\S+: request not completed within 2s: closing", 1, offset)
        report(closed_after is not None and 1.8 <= closed_after <= 4.5 and warned is not None,
               "request_timeout = 2s: the stalled connection is closed by the daemon (after %s s)"
               % ("%.1f" % closed_after if closed_after is not None else "never"),
               "warned=%s" % bool(warned))
        # The idle connection (no bytes sent) is governed by idle_timeout, not request_timeout.
        r = idle.ask(request(user="idle@example.org"))
        report(r == "action=DUNNO", "an idle connection outlives request_timeout and still answers", r)
    finally:
        stalled.close()
        idle.close()


def check_trickle():
    # A client that sends one byte now and then never finishes its request:
    # request_timeout bounds the whole request, not the gap between bytes.
    c = MAIN.connect()
    try:
        data = request(user="trickle@example.org")
        t0 = time.monotonic()
        closed_after = None
        for i in range(len(data) - 1):
            try:
                c.send(data[i:i + 1])
            except (BrokenPipeError, ConnectionResetError):
                closed_after = time.monotonic() - t0
                break
            waited = c.wait_closed(0.4)
            if waited is not None:
                closed_after = time.monotonic() - t0
                break
            if time.monotonic() - t0 > 7:
                break
    finally:
        c.close()
    report(closed_after is not None and closed_after <= 4.5,
           "request_timeout = 2s: a request trickled byte by byte is closed (after %s s)"
           % ("%.1f" % closed_after if closed_after is not None else "more than 7"))


def check_unread_replies():
    # A client that pipelines requests and never reads the replies: once the
    # daemon's reply cannot be written for request_timeout, it closes.
    offset = MAIN.log_size()
    c = MAIN.connect()
    s = c.sock
    s.setblocking(False)
    chunk = request(state="MAIL", sender="noread@example.org") * 200
    t0 = time.monotonic()
    blocked_since = None
    closed_after = None
    while time.monotonic() - t0 < 8:
        try:
            s.send(chunk)
            blocked_since = None
        except BlockingIOError:
            if blocked_since is None:
                blocked_since = time.monotonic()
            time.sleep(0.1)
        except (BrokenPipeError, ConnectionResetError):
            closed_after = None if blocked_since is None else time.monotonic() - blocked_since
            break
    c.close()
    warned = MAIN.wait_log(r"warning: unix:\S+: reply not read within 2s: closing", 1, offset)
    report(closed_after is not None and closed_after <= 4.5 and warned is not None,
           "request_timeout = 2s: a client that never reads its replies is closed (after %s s)"
           % ("%.1f" % closed_after if closed_after is not None else "more than %.0f" % (time.monotonic() - t0)),
           "warned=%s" % bool(warned))


def raise_nofile(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= want:
        return soft
    if hard != resource.RLIM_INFINITY and hard < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))  # root may raise the hard limit
            return want
        except (ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            return hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return want


def wait_for(pred, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(step)


def check_many_connections():
    n = 2000
    limit = raise_nofile(n + 200)
    if limit < n + 100:
        skip("2000 idle connections", "RLIMIT_NOFILE is %d" % limit)
        return
    daemon_soft = int(open("/proc/%d/limits" % MAIN.pid).read().split("Max open files")[1].split()[0])
    if daemon_soft < n + 100:
        report(False, "2000 idle connections", "daemon started with RLIMIT_NOFILE %d" % daemon_soft)
        return
    base = MAIN.fd_count()
    conns = []
    try:
        for i in range(n):
            conns.append(MAIN.connect("unix" if i % 2 else "inet"))
        # (a descriptor or two of earlier checks' connections may still be closing)
        accepted = wait_for(lambda: MAIN.fd_count() >= base + n - 3, 10)
        start = time.monotonic()
        r = MAIN.ask(request(user="many@example.org"))
        took = time.monotonic() - start
        report(accepted and r == "action=DUNNO" and took < 1.0,
               "2000 idle connections held (daemon fds %d -> %d): a new connection is answered in %.3fs"
               % (base, MAIN.fd_count(), took), "accepted=%s reply=%r" % (bool(accepted), r))
        sample = [conns[0], conns[1], conns[n // 2], conns[-1]]
        replies = [c.ask(request(state="RCPT", sender="old%d@example.org" % i)) for i, c in enumerate(sample)]
        report(replies == ["action=DUNNO"] * 4, "the oldest and newest of the 2000 connections still answer",
               repr(replies))
    finally:
        for c in conns:
            c.close()
    back = wait_for(lambda: MAIN.fd_count() <= base + 2, 5)
    report(back, "after the 2000 clients close, the daemon's descriptors return to %d (now %d)"
           % (base, MAIN.fd_count()))


def check_max_connections():
    d = Daemon(policyd="max_connections = 100\nsocket_mode = 0666").start()
    conns = []
    try:
        for i in range(100):
            conns.append(d.connect("unix" if i % 2 else "inet"))
        first = [c.ask(request(state="RCPT", sender="mc%d@example.org" % i)) for i, c in enumerate(conns)]
        offset = d.log_size()
        extra = d.connect()
        try:
            closed = extra.wait_closed(2)
        finally:
            extra.close()
        warned = d.wait_log(r"warning: max_connections \(100\) reached on unix:\S+: closing new connections", 2,
                            offset)
        report(first == ["action=DUNNO"] * 100 and closed is not None and closed < 1.0 and warned is not None,
               "max_connections = 100: the 101st connection is closed at once, with a warning",
               "first-ok=%d closed=%s warned=%s" % (first.count("action=DUNNO"), closed, bool(warned)))
        again = [c.ask(request(state="RCPT", sender="mc-again%d@example.org" % i)) for i, c in enumerate(conns)]
        report(again == ["action=DUNNO"] * 100, "max_connections = 100: the first 100 connections still work",
               "%d answered" % again.count("action=DUNNO"))
        conns.pop().close()

        def slot_free():
            c = d.connect()
            try:
                return c.ask(request(user="mc-slot@example.org"), timeout=1) == "action=DUNNO"
            except (EOFError, ConnectionResetError, TimeoutError, socket.timeout):
                return False
            finally:
                c.close()
        report(wait_for(slot_free, 3, 0.1), "max_connections = 100: a slot freed by a closing client is reused")
    finally:
        for c in conns:
            c.close()
        d.stop()


def check_fd_exhaustion():
    # More clients than the daemon has descriptors: accept fails (EMFILE),
    # the daemon backs off, keeps serving the connections it has, and
    # accepts the waiting ones once descriptors are free again.
    d = Daemon(policyd="socket_mode = 0666", inet=False, nofile=48).start()
    conns = []
    try:
        lim = open("/proc/%d/limits" % d.pid).read().split("Max open files")[1].split()[0]
        conns = [d.connect() for _ in range(80)]
        first = [c.ask(request(state="RCPT", sender="emfile%d@example.org" % i), timeout=2)
                 for i, c in enumerate(conns[:5])]
        warned = d.wait_log(r"warning: accept on unix:\S+: Too many open files", 2)
        for c in conns[:60]:
            c.close()
        last = conns[-1].ask(request(state="RCPT", sender="emfile-last@example.org"), timeout=4)
        fresh = d.ask(request(user="emfile-new@example.org"))
        report(lim == "48" and first == ["action=DUNNO"] * 5 and warned is not None and last == "action=DUNNO"
               and fresh == "action=DUNNO" and d.running(),
               "descriptors exhausted (limit 48, 80 clients): existing connections served, EMFILE logged, "
               "waiting clients served once descriptors are free",
               "limit=%s first=%r warned=%s last=%r new=%r" % (lim, first, bool(warned), last, fresh))
    finally:
        for c in conns:
            c.close()
        d.stop()


def check_idle_timeout():
    d = Daemon(policyd="socket_mode = 0666\nidle_timeout = 2s\nrequest_timeout = 10s", inet=False).start()
    idle, busy = d.connect(), d.connect()
    try:
        t0 = time.monotonic()
        busy_replies = []
        closed = None
        while time.monotonic() - t0 < 6 and closed is None:
            busy_replies.append(busy.ask(request(state="RCPT", sender="busy%d@example.org" % len(busy_replies))))
            closed = idle.wait_closed(0.5)
        closed_after = None if closed is None else time.monotonic() - t0
        still = busy.ask(request(state="RCPT", sender="busy-end@example.org"))
        report(closed_after is not None and 1.8 <= closed_after <= 4.5 and set(busy_replies) == {"action=DUNNO"}
               and still == "action=DUNNO",
               "idle_timeout = 2s: an idle connection is closed (after %s s), a busy one is not"
               % ("%.1f" % closed_after if closed_after is not None else "never"),
               "busy=%r end=%r" % (sorted(set(busy_replies)), still))
    finally:
        idle.close()
        busy.close()
        d.stop()


def check_store_full():
    # A counters map too small for the traffic: the request gets on_error,
    # one error line names the option to raise, and the daemon goes on.
    d = Daemon(limits="user * messages 5/1m 5 defer\n", policyd="socket_mode = 0666", inet=False,
               counters_size="128k").start()
    try:
        c = d.connect()
        replies = []
        try:
            for i in range(3000):
                replies.append(c.ask(request(user="filler%05d@example.org" % i)))
                if replies[-1] != "action=DUNNO":
                    break
        finally:
            c.close()
        logged = d.wait_log(r"error: counters database is full: raise \[store\] counters_max_size; answering "
                            r"on_error = " + re.escape(ON_ERROR), 2)
        report(len(replies) > 10 and replies[-1] == ON_ERROR_REPLY and logged is not None and d.running(),
               "counters map full (128k) after %d users: on_error reply and an error naming counters_max_size"
               % (len(replies) - 1), "last=%r logged=%s" % (replies[-1:], bool(logged)))
    finally:
        d.stop()


def check_reload():
    conn = MAIN.connect()
    try:
        before = [conn.ask(request(user="hup-before@example.org")) for _ in range(3)]
        offset = MAIN.log_size()
        MAIN.write_policy(limits="user * messages 2/1m 2 defer\n")
        MAIN.signal(signal.SIGHUP)
        reloaded = MAIN.wait_log(r"reload: 1 limits in force", 3, offset)
        after = [conn.ask(request(user="hup-after@example.org")) for _ in range(3)]
        report(before == ["action=DUNNO"] * 3 and reloaded is not None and after[:2] == ["action=DUNNO"] * 2
               and after[2].startswith("action=450 4.7.1 user hup-after@example.org: 2 messages/1m reached"),
               "SIGHUP: a stricter limit applies on the existing connection", repr(before + after))

        offset = MAIN.log_size()
        MAIN.write_policy(limits="user * messages five/1m 5 defer\n")
        MAIN.signal(signal.SIGHUP)
        failed = MAIN.wait_log(r"reload failed: keeping the policy in force", 3, offset)
        where = re.search(r"error: reload: \S*limits:1: ", MAIN.log()[offset:])
        kept = [conn.ask(request(user="hup-broken@example.org")) for _ in range(3)]
        report(failed is not None and where is not None and kept[:2] == ["action=DUNNO"] * 2
               and kept[2].startswith("action=450 4.7.1 user hup-broken@example.org: 2 messages/1m reached")
               and MAIN.running(),
               "SIGHUP with a broken limits file: limits:1 error logged, the previous policy stays",
               "failed=%s where=%s replies=%r" % (bool(failed), bool(where), kept))

        # A broken sendwarden.conf is refused the same way.
        with open(MAIN.conf) as f:
            good_conf = f.read()
        try:
            with open(MAIN.conf, "a") as f:
                f.write("max_connectionz = 5\n")
            line = len(good_conf.splitlines()) + 1
            offset = MAIN.log_size()
            MAIN.signal(signal.SIGHUP)
            failed = MAIN.wait_log(r"reload failed: keeping the policy in force", 3, offset)
            where = re.search(r"error: reload: \S*sendwarden\.conf:%d: " % line, MAIN.log()[offset:])
            kept = conn.ask(request(user="hup-broken@example.org"))
        finally:
            with open(MAIN.conf, "w") as f:
                f.write(good_conf)
        report(failed is not None and where is not None and kept.startswith("action=450 4.7.1 user hup-broken")
               and MAIN.running(),
               "SIGHUP with an unknown key in sendwarden.conf: sendwarden.conf:%d logged, the policy stays" % line,
               "failed=%s where=%s reply=%r" % (bool(failed), bool(where), kept))
    finally:
        conn.close()
        offset = MAIN.log_size()
        MAIN.write_policy(limits=MAIN_LIMITS)
        MAIN.signal(signal.SIGHUP)
        restored = MAIN.wait_log(r"reload: 4 limits in force", 3, offset)
    report(restored is not None, "SIGHUP restores the original limits")


def check_bad_config():
    d = Daemon(limits="user * messages 5/1m 5 defer\nuser * messages five/1m 5 defer\n", inet=False)
    p = d.spawn()
    try:
        rc = p.wait(10)
    except subprocess.TimeoutExpired:
        rc = None
    log = d.log()
    report(rc == EX_CONFIG and re.search(r"limits:2: ", log) is not None and not os.path.exists(d.sock_path),
           "a broken limits file: exit status 78, limits:2: on stderr, nothing listening",
           "status=%s log: %s" % (rc, d.tail(3)))

    d = Daemon(inet=False, policyd="socket_mode = 0666\nno_such_key = 1")
    with open(d.conf) as f:
        line = 1 + f.read().splitlines().index("no_such_key = 1")
    p = d.spawn()
    try:
        rc = p.wait(10)
    except subprocess.TimeoutExpired:
        rc = None
    log = d.log()
    report(rc == EX_CONFIG and ("sendwarden.conf:%d:" % line) in log and "no_such_key" in log,
           "an unknown key in sendwarden.conf: exit status 78 naming sendwarden.conf:%d" % line,
           "status=%s log: %s" % (rc, d.tail(3)))


def proc_ids(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return [int(x) for x in line.split()[1:]]
    return []


def connect_as(uid, gid, path):
    """Connects to `path` as uid/gid in a child process; its stdout."""
    code = ("import socket,sys\n"
            "s=socket.socket(socket.AF_UNIX)\ns.settimeout(5)\n"
            "try:\n s.connect(sys.argv[1])\nexcept PermissionError:\n print('EACCES'); sys.exit(0)\n"
            "s.sendall(b'request=smtpd_access_policy\\nprotocol_state=RCPT\\nsender=other-uid@example.org\\n\\n')\n"
            "d=b''\nwhile not d.endswith(b'\\n\\n'):\n c=s.recv(100)\n if not c: break\n d+=c\n"
            "print(d.decode().strip())\n")

    def become():
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
    p = subprocess.run([sys.executable, "-c", code, path], preexec_fn=become, capture_output=True, timeout=10,
                       text=True)
    return p.stdout.strip() or p.stderr.strip()


def check_privileges():
    if os.geteuid() != 0:
        skip("privilege drop to nobody", "not running as root")
        return
    nobody = pwd.getpwnam("nobody")
    try:
        other = pwd.getpwnam("daemon")
    except KeyError:
        other = None
    d = Daemon(policyd="user = nobody").start()
    try:
        uids, gids = proc_ids(d.pid, "Uid"), proc_ids(d.pid, "Gid")
        report(uids == [nobody.pw_uid] * 4 and gids == [nobody.pw_gid] * 4,
               "user = nobody: the daemon runs as uid %d gid %d" % (nobody.pw_uid, nobody.pw_gid),
               "Uid %r Gid %r" % (uids, gids))
        st = os.stat(d.sock_path)
        report(stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o660 and st.st_uid == nobody.pw_uid,
               "user = nobody: the unix socket has the default mode 0660 and is owned by nobody",
               "mode %o uid %d" % (stat.S_IMODE(st.st_mode), st.st_uid))
        r = d.ask(request(user="priv@example.org"))
        r2 = d.ask(request(user="priv@example.org"), "inet")
        report(r == "action=DUNNO" and r2 == "action=DUNNO",
               "user = nobody: the daemon answers (and writes its counters)", "%r %r" % (r, r2))
        files = []
        for sub in ("counters", "data"):
            top = os.path.join(d.state_dir, sub)
            files.append(top)
            files.extend(os.path.join(top, f) for f in os.listdir(top))
        wrong = [f for f in files if os.stat(f).st_uid != nobody.pw_uid]
        report(len(files) > 2 and not wrong, "user = nobody: the %d state files are owned by nobody" % len(files),
               "not nobody's: %r" % wrong)
        if other is not None:
            r = connect_as(other.pw_uid, other.pw_gid, d.sock_path)
            report(r == "EACCES", "socket_mode 0660: user daemon (not owner, not group) cannot connect", r)
    finally:
        d.stop()

    d = Daemon(policyd="user = nobody\nsocket_mode = 0666", inet=False).start()
    try:
        st = os.stat(d.sock_path)
        r = connect_as(other.pw_uid, other.pw_gid, d.sock_path) if other is not None else "action=DUNNO"
        report(stat.S_IMODE(st.st_mode) == 0o666 and r == "action=DUNNO",
               "socket_mode = 0666: the socket has mode 0666 and any user can connect",
               "mode %o reply %r" % (stat.S_IMODE(st.st_mode), r))
    finally:
        d.stop()


def run_cli(*args, timeout=20):
    p = subprocess.run([CLI] + list(args), capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def check_cli():
    user = "cli-user@example.org"
    replies = [MAIN.ask(request(user=user)) for _ in range(3)]
    rc, out, err = run_cli("-c", MAIN.conf, "limits", "status", "--user", user, "--json")
    rows = [json.loads(l) for l in out.splitlines() if l.strip()]
    msgs = [r for r in rows if r.get("scope") == "user" and r.get("metric") == "messages"]
    rcpts = [r for r in rows if r.get("scope") == "user" and r.get("metric") == "recipients"]
    report(replies == ["action=DUNNO"] * 3 and rc == 0 and len(msgs) == 1 and msgs[0]["burst"] == 5
           and msgs[0]["available"] == 2 and len(rcpts) == 1 and rcpts[0]["available"] == 3,
           "sendwarden limits status --json: 3 messages sent leave 2 of 5 available (recipients untouched: 3)",
           "rc=%d rows=%r err=%s" % (rc, rows, err.strip()))

    rc, out, err = run_cli("-c", MAIN.conf, "limits", "status", "--user", user)
    table = {}
    for line in out.splitlines()[1:]:
        cols = line.split()
        if len(cols) >= 6:
            table[(cols[0], cols[2])] = cols[5]
    rc2, out2, _ = run_cli("-c", MAIN.conf, "limits", "status", "--user", "cli-untouched@example.org")
    fresh = {}
    for line in out2.splitlines()[1:]:
        cols = line.split()
        if len(cols) >= 6:
            fresh[(cols[0], cols[2])] = cols[5]
    report(rc == 0 and out.splitlines()[0].split()[5] == "AVAILABLE" and table.get(("user", "messages")) == "2"
           and rc2 == 0 and fresh.get(("user", "messages")) == "5",
           "sendwarden limits status (table): AVAILABLE 2 for the user, 5 for an untouched one",
           "table=%r fresh=%r" % (table, fresh))

    rc, out, err = run_cli("-c", MAIN.conf, "check-config")
    report(rc == 0, "sendwarden check-config: exit 0 on the good configuration", "rc=%d %s" % (rc, err.strip()))
    bad = Daemon(limits="user * messages 5/1m 5 defer\nuser * messages 5/1m five defer\n", inet=False)
    rc, out, err = run_cli("-c", bad.conf, "check-config")
    report(rc == EX_CONFIG and "limits:2:" in out + err,
           "sendwarden check-config: exit 78 and limits:2 for a bad second line",
           "rc=%d %s" % (rc, (out + err).strip()))


def check_sigterm_restart():
    global MAIN
    user = "term-user@example.org"
    c = MAIN.connect()
    stalled = MAIN.connect("inet")
    try:
        replies = [c.ask(request(user=user)) for _ in range(6)]
        stalled.send(b"request=smtpd_access_policy\nprotocol_state=RC")
        time.sleep(0.1)
        start = time.monotonic()
        MAIN.signal(signal.SIGTERM)
        try:
            rc = MAIN.proc.wait(2.0)
        except subprocess.TimeoutExpired:
            rc = None
        took = time.monotonic() - start
    finally:
        c.close()
        stalled.close()
    stats = re.search(r"statistics: requests=\d+ ", MAIN.log())
    report(replies[:5] == ["action=DUNNO"] * 5 and replies[5].startswith("action=450 ") and rc == 0
           and stats is not None and not os.path.exists(MAIN.sock_path),
           "SIGTERM with open connections: exit 0 in %.2fs, statistics logged, unix socket removed" % took,
           "status=%s stats=%s socket-left=%s replies=%r" % (rc, bool(stats), os.path.exists(MAIN.sock_path),
                                                              replies[-1:]))
    if rc is None:
        MAIN.kill()
    MAIN.start()
    r = MAIN.ask(request(user=user))
    r_other = MAIN.ask(request(user="term-fresh@example.org"), "inet")
    report(r.startswith("action=450 4.7.1 user %s: 5 messages/1m reached" % user) and r_other == "action=DUNNO",
           "restart on the same state_dir keeps the counters: the user is still deferred", "%r %r" % (r, r_other))


def main():
    if not (os.access(POLICYD, os.X_OK) and os.access(CLI, os.X_OK)):
        print("SKIP: %s or %s not built (set SW_BUILDDIR)" % (POLICYD, CLI))
        return 77
    if not sys.platform.startswith("linux"):
        print("SKIP: needs Linux (/proc)")
        return 77
    timer = threading.Timer(WATCHDOG_SECONDS, watchdog)
    timer.daemon = True
    timer.start()
    atexit.register(cleanup)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda s, f: sys.exit(128 + s))

    global MAIN
    started = time.monotonic()
    raise_nofile(2300)
    try:
        MAIN = Daemon(policyd="socket_mode = 0666\nrequest_timeout = 2s", nofile=2300).start()
    except Exception as e:  # noqa: BLE001
        report(False, "start sendwarden-policyd", str(e))
        print("%d passed, %d failed" % (PASSED, FAILED))
        return 1

    for group in (check_listeners, check_limits, check_bad_input, check_request_size_edges,
                  check_on_error_disconnect, check_stalled, check_trickle, check_unread_replies,
                  check_many_connections, check_max_connections, check_fd_exhaustion, check_idle_timeout,
                  check_store_full, check_reload, check_bad_config,
                  check_privileges, check_cli, check_sigterm_restart):
        section(group)
        if not MAIN.running() and group is not check_sigterm_restart:
            report(False, "sendwarden-policyd still running after %s" % group.__name__,
                   "exit status %s: %s" % (MAIN.proc.returncode, MAIN.tail()))
            MAIN.start()
    MAIN.stop()
    timer.cancel()
    print("# %.1fs" % (time.monotonic() - started))
    print("%d passed, %d failed" % (PASSED, FAILED))
    return 0 if FAILED == 0 else 1


if __name__ == "__main__":
    code = 99
    try:
        code = main()
    finally:
        cleanup()
    sys.exit(code)
