#!/usr/bin/python3
"""A next hop that refuses every recipient as unknown, for the DSN loop of
postfix_bounces.sh: smtp-sink can refuse RCPT only with "500 5.3.0 Error:
command failed", which is (rightly) not a dead address; real MTAs say
"550 5.1.1 ... User unknown". Loopback only, standard library only.

usage: smtp_reject.py PORT [LOGFILE]
"""
import socket
import socketserver
import sys


class Session(socketserver.StreamRequestHandler):
    timeout = 60

    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        self.reply("220 reject.e2e.sendwarden.test ESMTP")
        while True:
            try:
                raw = self.rfile.readline(4096)
            except (socket.timeout, OSError):
                return
            if not raw:
                return
            line = raw.decode("latin-1").rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            if LOG:
                LOG.write(line + "\n")
                LOG.flush()
            if verb in ("EHLO", "HELO"):
                self.reply("250 reject.e2e.sendwarden.test")
            elif verb == "MAIL":
                self.reply("250 2.1.0 Ok")
            elif verb == "RCPT":
                addr = line.split(":", 1)[1].strip() if ":" in line else "<>"
                self.reply(f"550 5.1.1 {addr}: Recipient address rejected: User unknown in virtual mailbox table")
            elif verb == "DATA":
                self.reply("554 5.5.1 Error: no valid recipients")
            elif verb == "QUIT":
                self.reply("221 2.0.0 Bye")
                return
            else:
                self.reply("250 2.0.0 Ok")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


LOG = None
if __name__ == "__main__":
    port = int(sys.argv[1])
    if len(sys.argv) > 2:
        LOG = open(sys.argv[2], "a")
    with Server(("127.0.0.1", port), Session) as srv:
        srv.serve_forever()
