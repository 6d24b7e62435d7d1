#!/usr/bin/python3
"""Idle and slow clients of a policy service, for tests/reliability/soak.sh.

Holds --idle connections open to the policy socket (as many Postfix smtpd
processes keep theirs between mails); every --ping-every seconds asks one
RCPT request on --pings of them, chosen in turn, and counts the answers. A
connection the server closed (its idle_timeout) is opened again, as Postfix
would. Beside them, --slow clients trickle a request one byte every
--trickle seconds until the server closes them (its request_timeout), then
start again.

Runs for --duration seconds; the last line on stdout is a JSON summary:
idle_open (at the end, after a last pass reopening what was closed), idle_reopened, pings_ok, pings_failed, slow_started,
slow_closed_by_server. Exit status 0 when it ran, 2 on usage errors.
"""
import argparse
import json
import select
import socket
import sys
import threading
import time

REQUEST = (b"request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"
           b"client_address=127.0.0.1\nclient_name=localhost\nhelo_name=idle.e2e.test\n"
           b"sender=idle@soak.example\nrecipient=someone@remote.example\nsasl_username=idle@soak.example\n\n")


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    return s


def closed_by_peer(s):
    """True when the server closed s (readable with EOF), without blocking."""
    try:
        r, _, _ = select.select([s], [], [], 0)
        if not r:
            return False
        return s.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def ask(s):
    s.sendall(REQUEST)
    data = b""
    while not data.endswith(b"\n\n"):
        chunk = s.recv(4096)
        if not chunk:
            raise OSError("closed before the answer")
        data += chunk
    return data.startswith(b"action=")


class Clients:
    def __init__(self, a):
        self.a = a
        self.stats = dict(idle_open=0, idle_reopened=0, pings_ok=0, pings_failed=0,
                          slow_started=0, slow_closed_by_server=0)
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def count(self, key, n=1):
        with self.lock:
            self.stats[key] += n

    def idle(self):
        a = self.a
        conns = []
        for _ in range(a.idle):
            try:
                conns.append(connect(a.socket))
            except OSError:
                conns.append(None)
        turn = 0

        def reopen_closed():
            for i, s in enumerate(conns):
                if s is None or closed_by_peer(s):
                    if s is not None:
                        s.close()
                    try:
                        conns[i] = connect(a.socket)
                        self.count("idle_reopened")
                    except OSError:
                        conns[i] = None

        while not self.stop.wait(a.ping_every):
            reopen_closed()
            for _ in range(min(a.pings, len(conns))):
                i = turn % len(conns)
                turn += 1
                # Like Postfix's policy client: a connection the server closed
                # meanwhile (idle_timeout) is opened again and the request sent
                # once more.
                for attempt in (1, 2):
                    s = conns[i]
                    try:
                        if s is None:
                            s = conns[i] = connect(a.socket)
                        self.count("pings_ok" if ask(s) else "pings_failed")
                        break
                    except OSError:
                        if s is not None:
                            s.close()
                        conns[i] = None
                        if attempt == 2:
                            self.count("pings_failed")
        # what stays open once the last closes are answered by a reopen
        reopen_closed()
        with self.lock:
            self.stats["idle_open"] = sum(1 for s in conns if s is not None and not closed_by_peer(s))
        for s in conns:
            if s is not None:
                s.close()

    def slow(self):
        a = self.a
        while not self.stop.is_set():
            try:
                s = connect(a.socket)
            except OSError:
                self.stop.wait(1)
                continue
            self.count("slow_started")
            try:
                for byte in REQUEST[:-2]:   # never the final empty line
                    if self.stop.wait(a.trickle):
                        break
                    s.sendall(bytes([byte]))
                    if closed_by_peer(s):
                        self.count("slow_closed_by_server")
                        break
            except OSError:
                self.count("slow_closed_by_server")
            finally:
                s.close()

    def run(self):
        threads = [threading.Thread(target=self.idle, daemon=True)]
        threads += [threading.Thread(target=self.slow, daemon=True) for _ in range(self.a.slow)]
        for t in threads:
            t.start()
        self.stop.wait(self.a.duration)
        self.stop.set()
        for t in threads:
            t.join()
        print(json.dumps(self.stats), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--socket", required=True, help="policyd's unix socket")
    ap.add_argument("--idle", type=int, default=1000)
    ap.add_argument("--pings", type=int, default=20)
    ap.add_argument("--ping-every", type=float, default=5.0)
    ap.add_argument("--slow", type=int, default=5)
    ap.add_argument("--trickle", type=float, default=1.0)
    ap.add_argument("--duration", type=float, required=True)
    a = ap.parse_args()
    if a.idle < 0 or a.slow < 0 or a.ping_every <= 0:
        ap.error("bad counts")
    Clients(a).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
