#!/usr/bin/python3
"""Probe a per-client session cap through a test Postfix, for postfix_milter.sh.

    smtp_caps.py --port P --hold N --from F --to T --tag TAG [--retry-seconds S]

1. opens N SMTP sessions from this client and keeps them open after EHLO
   (each retried like step 4, as sessions that just ended may still count);
2. opens one more, which the cap should refuse: records the first reply that
   is not 2xx (the greeting, or EHLO's), or 2xx if none was refused;
3. QUITs the first held session;
4. opens a new session, retrying every 0.2 s for up to S seconds while it is
   refused (the MTA tells the milter about the QUIT asynchronously), and
   sends one message tagged TAG-1 in it (smtp_send.py's format), while the
   other held sessions are still open;
5. QUITs everything.

One tab-separated line per step on stdout:
    held <TAB> K <TAB> CODE                 (step 1, K = 1..N; CODE of EHLO)
    extra <TAB> CODE <TAB> TEXT             (step 2)
    after-quit <TAB> ATTEMPTS <TAB> CODE <TAB> TEXT   (step 4: the session)
    TAG-1 <TAB> RCPT <TAB> DATA <TAB> TEXT  (step 4: the message)
Exit status 0 when the probe ran, 2 on errors outside the expected refusals.
"""
import argparse
import smtplib
import socket
import sys
import time

from smtp_send import one_line, send_one

HELO = "caps.e2e.test"


def try_session(host, port, timeout):
    """(smtp or None, code, text): the session if greeting and EHLO were 2xx,
    else the first reply that was not."""
    try:
        smtp = smtplib.SMTP(host, port, local_hostname=HELO, timeout=timeout)
    except smtplib.SMTPConnectError as e:  # greeting not 220
        return None, e.smtp_code, one_line(e.smtp_error)
    except smtplib.SMTPServerDisconnected as e:
        return None, 0, f"disconnected before the greeting: {e}"
    try:
        code, text = smtp.ehlo()
    except smtplib.SMTPServerDisconnected as e:
        smtp.close()
        return None, 0, f"disconnected at EHLO: {e}"
    if code // 100 != 2:
        smtp.close()
        return None, code, one_line(text)
    return smtp, code, one_line(text)


def retry_session(args):
    """try_session every 0.2 s while refused, for up to --retry-seconds:
    (attempts, smtp or None, code, text)."""
    deadline = time.monotonic() + args.retry_seconds
    attempts = 0
    while True:
        attempts += 1
        smtp, code, text = try_session(args.host, args.port, args.timeout)
        if smtp is not None or time.monotonic() >= deadline:
            return attempts, smtp, code, text
        time.sleep(0.2)


def quit(smtp):
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--hold", type=int, required=True)
    ap.add_argument("--from", dest="sender", required=True)
    ap.add_argument("--to", dest="rcpt", required=True)
    ap.add_argument("--tag", required=True)
    ap.add_argument("--retry-seconds", type=float, default=10.0)
    ap.add_argument("--timeout", type=float, default=20.0)
    args = ap.parse_args()

    held = []
    try:
        for k in range(1, args.hold + 1):
            smtp, code, text = retry_session(args)[1:]
            print(f"held\t{k}\t{code}", flush=True)
            if smtp is None:
                print(f"smtp_caps: held session {k} refused: {code} {text}", file=sys.stderr)
                return 2
            held.append(smtp)

        smtp, code, text = try_session(args.host, args.port, args.timeout)
        print(f"extra\t{code}\t{text}", flush=True)
        if smtp is not None:
            quit(smtp)

        quit(held.pop(0))
        attempts, smtp, code, text = retry_session(args)
        print(f"after-quit\t{attempts}\t{code}\t{text}", flush=True)
        if smtp is not None:
            tag = f"{args.tag}-1"
            print(send_one(smtp, args.sender, args.rcpt.replace("{tag}", tag), tag), flush=True)
            quit(smtp)
        return 0
    except (OSError, smtplib.SMTPException, socket.timeout) as e:
        print(f"smtp_caps: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    finally:
        for s in held:
            quit(s)


if __name__ == "__main__":
    sys.exit(main())
