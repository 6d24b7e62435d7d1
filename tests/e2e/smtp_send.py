#!/usr/bin/python3
"""Send test messages over one SMTP session and report every reply.

Used by postfix_limits.sh and postfix_milter.sh. Speaks plain SMTP to a test
Postfix on loopback, optionally plays another client with XCLIENT (LOGIN=...
for an authenticated user, ADDR=... NAME=... for another client address; the
Postfix server must list us in smtpd_authorized_xclient_hosts), then sends
COUNT messages, one recipient each, in the same session (RSET between them).
The functions are also imported by smtp_caps.py.

For every message one tab-separated line goes to stdout:

    TAG <TAB> RCPT-CODE <TAB> DATA-CODE <TAB> TEXT

TAG is PREFIX-N (N from 1), also written into the message as the header
"X-E2E-Tag: TAG" so the delivered copy can be found. DATA-CODE is "-" when
DATA was not attempted (RCPT not accepted). TEXT is the text of the reply
that decided the message: RCPT's when RCPT was refused, else the final
reply to DATA (or to MAIL when MAIL was refused: then RCPT-CODE is "-").

Exit status: 0 when the session ran (whatever the replies), 2 on usage or
connection/protocol errors (reported on stderr).
"""
import argparse
import smtplib
import socket
import sys
from email.utils import formatdate, make_msgid


def one_line(text):
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(text.split())


def build_message(sender, rcpt, tag, headers=()):
    extra = "".join(f"{h}\r\n" for h in headers)
    return (
        extra +
        f"From: <{sender}>\r\n"
        f"To: <{rcpt}>\r\n"
        f"Subject: sendwarden e2e {tag}\r\n"
        f"Date: {formatdate(localtime=False)}\r\n"
        f"Message-ID: {make_msgid(domain='e2e.sendwarden.test')}\r\n"
        f"X-E2E-Tag: {tag}\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n"
        "\r\n"
        f"Test message {tag} from the sendwarden end-to-end test.\r\n"
    )


class SessionError(Exception):
    """The session could not be set up (reported, exit status 2)."""


def open_session(host, port, helo, timeout):
    """Connects and says EHLO; raises SessionError unless both answer 2xx."""
    try:
        smtp = smtplib.SMTP(host, port, local_hostname=helo, timeout=timeout)
    except (OSError, smtplib.SMTPException) as e:
        raise SessionError(f"cannot connect to {host}:{port}: {e}") from e
    try:
        code, text = smtp.ehlo()
    except (OSError, smtplib.SMTPException) as e:
        smtp.close()
        raise SessionError(f"EHLO: {type(e).__name__}: {e}") from e
    if code != 250:
        smtp.close()
        raise SessionError(f"EHLO: {code} {one_line(text)}")
    return smtp


def xclient(smtp, login, attrs, helo):
    """XCLIENT LOGIN=login plus attrs ("ADDR=... NAME=..."), then EHLO again.
    Nothing when both are empty; raises SessionError on a refusal."""
    words = ([f"LOGIN={login}"] if login else []) + (attrs.split() if attrs else [])
    if not words:
        return
    if not smtp.has_extn("xclient"):
        raise SessionError("server does not offer XCLIENT to us "
                           "(smtpd_authorized_xclient_hosts?)")
    # Postfix answers a successful XCLIENT with a new 220 greeting; the
    # client must then say EHLO again.
    code, text = smtp.docmd("XCLIENT", " ".join(words))
    if code != 220:
        raise SessionError(f"XCLIENT: {code} {one_line(text)}")
    code, text = smtp.ehlo(helo)
    if code != 250:
        raise SessionError(f"EHLO after XCLIENT: {code} {one_line(text)}")


def send_one(smtp, sender, rcpt, tag, headers=()):
    """One message; returns the result line (without newline)."""
    code, text = smtp.mail(sender)
    if code != 250:
        smtp.rset()
        return f"{tag}\t-\t-\tMAIL {code} {one_line(text)}"
    rcode, rtext = smtp.rcpt(rcpt)
    if rcode // 100 != 2:
        smtp.rset()
        return f"{tag}\t{rcode}\t-\t{one_line(rtext)}"
    try:
        dcode, dtext = smtp.data(build_message(sender, rcpt, tag, headers))
    except smtplib.SMTPDataError as e:
        # refused at the DATA command itself (not after the content)
        dcode, dtext = e.smtp_code, e.smtp_error
        smtp.rset()
    if dcode // 100 != 2:
        smtp.rset()
    return f"{tag}\t{rcode}\t{dcode}\t{one_line(dtext)}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--login", help="XCLIENT LOGIN=... identity (SASL user)")
    ap.add_argument("--xclient", help='more XCLIENT attributes, e.g. "ADDR=192.0.2.10 NAME=h.example"')
    ap.add_argument("--helo", default="client.e2e.test", help="EHLO name")
    ap.add_argument("--header", action="append", default=[],
                    help='"Name: value" put on top of every message (repeatable)')
    ap.add_argument("--from", dest="sender", required=True)
    ap.add_argument("--to", dest="rcpt", required=True,
                    help='recipient; "{tag}" in it is replaced by the message tag')
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--tag", default="msg", help="tag prefix (default: msg)")
    ap.add_argument("--start", type=int, default=1, help="first tag number")
    ap.add_argument("--timeout", type=float, default=30.0,
                    help="per-command timeout in seconds (default 30)")
    args = ap.parse_args()
    if args.count < 1:
        ap.error("--count must be at least 1")

    try:
        smtp = open_session(args.host, args.port, args.helo, args.timeout)
        xclient(smtp, args.login, args.xclient, args.helo)
    except (SessionError, OSError, smtplib.SMTPException) as e:
        print(f"smtp_send: {e}", file=sys.stderr)
        return 2
    try:
        for n in range(args.start, args.start + args.count):
            tag = f"{args.tag}-{n}"
            print(send_one(smtp, args.sender, args.rcpt.replace("{tag}", tag), tag, args.header),
                  flush=True)
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass
        return 0
    except (OSError, smtplib.SMTPException, socket.timeout) as e:
        print(f"smtp_send: session failed: {type(e).__name__}: {e}", file=sys.stderr)
        try:
            smtp.close()
        except OSError:
            pass
        return 2


if __name__ == "__main__":
    sys.exit(main())
