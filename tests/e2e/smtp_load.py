#!/usr/bin/python3
"""Steady SMTP load on a test Postfix, every reply counted.

Used by tests/reliability/daemon_kill.sh and tests/reliability/soak.sh.
SESSIONS threads each loop until the time is up or COUNT messages are sent
in all: connect, EHLO, XCLIENT LOGIN=user (the users in turn, so policyd
sees an authenticated sender), PER_SESSION messages of one recipient each
(smtp_send.send_one), QUIT. A session that cannot be opened is counted and
retried after a short pause, as a Postfix client would.

One line per message goes to --out (tab-separated):

    TAG  T_START  LATENCY_MS  RCPT-CODE  DATA-CODE  TEXT

and one per failed session: "SESSION-ERROR  T_START  -  -  -  TEXT".
T_START is seconds since the start. With --every N, a line per interval of
N seconds goes to stdout while it runs:

    interval T  messages N  accepted A  refused R  errors E  p50_ms X  p99_ms Y

At the end a JSON summary goes to stdout (last line): counts per class —
accepted (DATA 250), limited (4xx whose text has --limit-text), tempfail
(other 4xx), rejected (5xx), session_errors — and latency percentiles.
Exit status: 0 when it ran (whatever the replies), 2 on usage errors.
"""
import argparse
import json
import os
import smtplib
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smtp_send  # noqa: E402


def percentile(values, p):
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, int(len(s) * p / 100.0))]


class Load:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.t0 = time.monotonic()
        self.sent = 0          # messages started (for --count)
        self.lines = []
        self.counts = {"accepted": 0, "limited": 0, "tempfail": 0, "rejected": 0, "session_errors": 0}
        self.latencies = []
        self.window = []       # (latency, class) of the current --every interval
        self.out = open(args.out, "w", buffering=1) if args.out else None

    def elapsed(self):
        return time.monotonic() - self.t0

    def done(self):
        return self.elapsed() >= self.args.duration or (self.args.count and self.sent >= self.args.count)

    def take(self):
        """The next message number, or None when the run is over."""
        with self.lock:
            if self.done():
                return None
            self.sent += 1
            return self.sent

    def classify(self, rcode, dcode, text):
        if dcode == "250":
            return "accepted"
        code = dcode if dcode != "-" else rcode
        if code == "-" and text.startswith("MAIL "):   # refused at MAIL FROM
            code = text.split()[1] if len(text.split()) > 1 else "-"
        if code.startswith("4"):
            return "limited" if self.args.limit_text and self.args.limit_text in text else "tempfail"
        if code.startswith("5"):
            return "rejected"
        return "session_errors"

    def record(self, tag, start, latency_ms, rcode, dcode, text):
        cls = self.classify(rcode, dcode, text) if tag != "SESSION-ERROR" else "session_errors"
        line = f"{tag}\t{start:.3f}\t{latency_ms:.1f}\t{rcode}\t{dcode}\t{text}"
        with self.lock:
            self.counts[cls] += 1
            if tag != "SESSION-ERROR":
                self.latencies.append(latency_ms)
            self.window.append((latency_ms, cls))
            if self.out:
                self.out.write(line + "\n")

    def session(self, worker):
        args = self.args
        users = args.users.split(",")
        turn = worker
        while not self.done():
            user = users[turn % len(users)]
            turn += 1
            start = self.elapsed()
            try:
                smtp = smtp_send.open_session(args.host, args.port, "load.e2e.test", args.timeout)
                smtp_send.xclient(smtp, user, "", "load.e2e.test")
            except (smtp_send.SessionError, OSError, smtplib.SMTPException) as e:
                self.record("SESSION-ERROR", start, 0.0, "-", "-", smtp_send.one_line(str(e)))
                time.sleep(0.2)
                continue
            try:
                for _ in range(args.per_session):
                    n = self.take()
                    if n is None:
                        break
                    tag = f"{args.tag}-{n}"
                    t = time.monotonic()
                    start = self.elapsed()
                    line = smtp_send.send_one(smtp, user, args.to.replace("{tag}", tag), tag)
                    latency = (time.monotonic() - t) * 1000.0
                    _, rcode, dcode, text = line.split("\t", 3)
                    self.record(tag, start, latency, rcode, dcode, text)
                    if args.pause:
                        time.sleep(args.pause)
                try:
                    smtp.quit()
                except (OSError, smtplib.SMTPException):
                    pass
            except (OSError, smtplib.SMTPException, socket.timeout) as e:
                self.record("SESSION-ERROR", start, 0.0, "-", "-",
                            f"{type(e).__name__}: {smtp_send.one_line(str(e))}")
                try:
                    smtp.close()
                except OSError:
                    pass

    def report_intervals(self, stop):
        next_at = self.args.every
        while not stop.wait(0.2):
            if self.elapsed() < next_at:
                continue
            with self.lock:
                window, self.window = self.window, []
            self.print_interval(next_at, window)
            next_at += self.args.every

    @staticmethod
    def print_interval(at, window):
        lat = [w[0] for w in window if w[1] != "session_errors"]
        count = lambda c: sum(1 for w in window if w[1] == c)  # noqa: E731
        print(f"interval {at:.0f}  messages {len(lat)}  accepted {count('accepted')}  "
              f"refused {count('limited') + count('tempfail') + count('rejected')}  "
              f"errors {count('session_errors') + count('rejected')}  "
              f"p50_ms {percentile(lat, 50):.1f}  p99_ms {percentile(lat, 99):.1f}", flush=True)

    def run(self):
        threads = [threading.Thread(target=self.session, args=(i,), daemon=True)
                   for i in range(self.args.sessions)]
        stop = threading.Event()
        reporter = None
        if self.args.every:
            reporter = threading.Thread(target=self.report_intervals, args=(stop,), daemon=True)
            reporter.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stop.set()
        if reporter:
            reporter.join()
        secs = self.elapsed()
        summary = dict(self.counts)
        summary.update(messages=len(self.latencies), seconds=round(secs, 2),
                       per_second=round(len(self.latencies) / secs, 1) if secs else 0.0,
                       p50_ms=round(percentile(self.latencies, 50), 1),
                       p99_ms=round(percentile(self.latencies, 99), 1),
                       max_ms=round(max(self.latencies, default=0.0), 1))
        print(json.dumps(summary), flush=True)
        if self.out:
            self.out.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--users", required=True, help="comma-separated XCLIENT LOGIN users, also the senders")
    ap.add_argument("--to", default="rcpt+{tag}@remote.example", help='recipient; "{tag}" is replaced')
    ap.add_argument("--sessions", type=int, default=4, help="concurrent SMTP sessions")
    ap.add_argument("--per-session", type=int, default=10, help="messages per SMTP session")
    ap.add_argument("--count", type=int, default=0, help="stop after this many messages (0: no cap)")
    ap.add_argument("--duration", type=float, default=60.0, help="stop after this many seconds")
    ap.add_argument("--pause", type=float, default=0.0, help="seconds between a session's messages")
    ap.add_argument("--tag", default="load", help="tag prefix")
    ap.add_argument("--limit-text", default="", help="text of our rate-limit replies")
    ap.add_argument("--every", type=float, default=0.0, help="print an interval line every N seconds")
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--out", help="file for the per-message lines")
    args = ap.parse_args()
    if args.sessions < 1 or args.per_session < 1:
        ap.error("--sessions and --per-session must be at least 1")
    Load(args).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
