#!/usr/bin/python3
"""smtp_hold.py - hold many SMTP sessions open for the milter benchmark's memory figure.

Owns: opening N SMTP sessions to a Postfix smtpd on loopback and taking each
into the middle of DATA (EHLO, MAIL FROM, RCPT TO, DATA, the header fields),
so that Postfix keeps N milter connections open; then holding them until
stdin reaches end of file, SIGTERM/SIGINT, or --hold-secs, and closing them
without finishing (no message is sent).

usage: smtp_hold.py --port P --sessions N [--host 127.0.0.1] [--from A] [--to B]
                    [--hold-secs S] [--timeout S]
Prints 'HELD n' on stdout once n sessions are mid-DATA (n < N when some
failed; the first error goes to stderr), then 'RELEASED' when it closes them.
Exit status 0 when all N were held.
"""
import argparse
import signal
import socket
import sys
import threading


def reply(f):
    """Read one (possibly multi-line) SMTP reply; return its code."""
    while True:
        line = f.readline()
        if not line:
            raise ConnectionError("connection closed by the server")
        if len(line) < 4 or line[3:4] != b"-":
            return int(line[:3])


def open_session(a):
    s = socket.create_connection((a.host, a.port), timeout=a.timeout)
    f = s.makefile("rb")
    steps = [
        (None, 220),
        (b"EHLO hold.bench.test\r\n", 250),
        (f"MAIL FROM:<{a.sender}>\r\n".encode(), 250),
        (f"RCPT TO:<{a.rcpt}>\r\n".encode(), 250),
        (b"DATA\r\n", 354),
    ]
    for cmd, want in steps:
        if cmd:
            s.sendall(cmd)
        code = reply(f)
        if code != want:
            s.close()
            raise ConnectionError(f"{cmd.decode().strip() if cmd else 'banner'}: reply {code}, expected {want}")
    s.sendall(f"From: Hold <{a.sender}>\r\nTo: <{a.rcpt}>\r\nSubject: held session\r\n".encode())
    return s, f


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--sessions", type=int, default=100)
    ap.add_argument("--from", dest="sender", default="sender@bench.test")
    ap.add_argument("--to", dest="rcpt", default="rcpt@sink.test")
    ap.add_argument("--hold-secs", type=float, default=120)
    ap.add_argument("--timeout", type=float, default=30)
    a = ap.parse_args()

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    held = []
    err = None
    for _ in range(a.sessions):
        try:
            held.append(open_session(a))
        except (OSError, ConnectionError) as e:
            err = err or e
    if err:
        print(f"smtp_hold: {a.sessions - len(held)} session(s) failed, first: {err}", file=sys.stderr)
    print(f"HELD {len(held)}", flush=True)

    def stdin_eof():
        try:
            sys.stdin.buffer.read()
        except OSError:
            pass
        done.set()
    threading.Thread(target=stdin_eof, daemon=True).start()
    done.wait(a.hold_secs)
    for s, f in held:
        f.close()
        s.close()
    print("RELEASED", flush=True)
    return 0 if len(held) == a.sessions else 1


if __name__ == "__main__":
    sys.exit(main())
