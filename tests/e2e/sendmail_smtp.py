#!/usr/bin/python3
"""A sendmail(1) stand-in for postfix_bounces.sh: takes the arguments
sendwarden passes (-i -f FROM -- RCPT...) and the message on stdin, and
submits it over SMTP to the test's private Postfix on 127.0.0.1.

Why not Postfix's own sendmail: it hands the message to the set-gid postdrop,
which trusts a private instance's configuration directory (MAIL_CONFIG) only
when the system's /etc/postfix/main.cf lists it in
alternate_config_directories, and the pipe transport runs `sendwarden ingest`
as an unprivileged user. Everything after submission (queue, delivery to the
contact's mailbox) is the real Postfix.

usage: sendmail_smtp.py -i -f FROM -- RCPT...   (port in $SW_TEST_SMTP_PORT)
"""
import os
import smtplib
import sys


def main(argv):
    sender, rcpts, i = "", [], 0
    while i < len(argv):
        a = argv[i]
        if a == "-f":
            sender = argv[i + 1]
            i += 2
            continue
        if a == "--":
            rcpts = argv[i + 1:]
            break
        i += 1
    msg = sys.stdin.buffer.read()
    port = int(os.environ.get("SW_TEST_SMTP_PORT") or open(os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])), ".port")).read())
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
        s.sendmail(sender, rcpts, msg)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
