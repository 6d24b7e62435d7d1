#!/usr/bin/python3
"""dkim_check.py - independent check of the DKIM signatures in the milter benchmark.

Owns: reading messages that smtp-sink captured (-d), removing what smtp-sink
added, and verifying every DKIM-Signature with Debian's python3-dkim (dkimpy,
not our code), the public keys taken from the zone-file TXT lines that
`sendwarden keygen` printed. No DNS is used: the records are served from
those lines. Also checks that each message carries exactly the expected
signature algorithms, and that changing one body byte of the first message
makes its signatures fail (the check can fail at all).

usage: dkim_check.py --records FILE [--records FILE...] --expect ALG[,ALG] [--label L] MSGFILE...
  --records  keygen output: lines 'SEL._domainkey.DOMAIN. IN TXT ( "..." "..." )'
  --expect   the a= values every message must carry, e.g. rsa-sha256,ed25519-sha256;
             'none' means the messages must carry no DKIM-Signature
Prints one line per failing message and a summary line
  CHECK label=L messages=N signatures=S passed=P failed=F tamper=detected|NOT-detected|skipped
Exit status 0 only when every message is as expected and the tamper check
detected the change. Needs /usr/bin/python3 with python3-dkim (and
python3-nacl for Ed25519).
"""
import argparse
import re
import sys

import dkim

SINK_FIELDS = re.compile(rb"^X-(Client-Addr|Client-Proto|Helo-Args|Mail-Args|Rcpt-Args):")


def read_records(paths):
    """Zone-file TXT lines -> {b'sel._domainkey.domain': b'v=DKIM1; ...'}."""
    table = {}
    for path in paths:
        with open(path, "rb") as f:
            for line in f:
                m = re.match(rb"^\s*(\S+)\s+(?:\d+\s+)?IN\s+TXT\s+(.*)$", line)
                if not m:
                    continue
                name = m.group(1).rstrip(b".").lower()
                table[name] = b"".join(re.findall(rb'"([^"]*)"', m.group(2)))
    return table


def message_from_dump(data):
    """The message as the SMTP client sent it, with CRLF line ends.

    smtp-sink's dump: its own X-Client-Addr/... lines, a three-line Received:
    field, the message, and one empty line it appends (smtp-sink(1), DUMP FILE
    FORMAT)."""
    lines = data.split(b"\n")
    i = 0
    while i < len(lines) and SINK_FIELDS.match(lines[i]):
        i += 1
    if i < len(lines) and lines[i].startswith(b"Received:"):
        i += 1
        while i < len(lines) and lines[i][:1] in (b" ", b"\t"):
            i += 1
    body = lines[i:]
    # the file ends "...last line\n" + "\n" (the appended empty line)
    if len(body) >= 2 and body[-1] == b"" and body[-2] == b"":
        body = body[:-2]
    elif body and body[-1] == b"":
        body = body[:-1]
    return b"".join(l.rstrip(b"\r") + b"\r\n" for l in body)


def signatures(msg):
    head = msg.split(b"\r\n\r\n", 1)[0]
    fields = re.findall(rb"(?ims)^DKIM-Signature:(.*?)(?=\r\n[^ \t]|\Z)", head + b"\r\nX")
    algs = []
    for v in fields:
        m = re.search(rb"(?:^|;)\s*a\s*=\s*([A-Za-z0-9-]+)", re.sub(rb"\s+", b" ", v))
        algs.append(m.group(1).decode() if m else "?")
    return algs


def verify_all(msg, dnsfunc):
    """(number of signatures, number that verified)"""
    n = len(signatures(msg))
    ok = 0
    for idx in range(n):
        try:
            if dkim.DKIM(msg).verify(idx=idx, dnsfunc=dnsfunc):
                ok += 1
        except Exception:  # dkimpy raises on malformed or failing signatures
            pass
    return n, ok


def tamper(msg):
    head, sep, body = msg.partition(b"\r\n\r\n")
    m = re.search(rb"[a-z]", body)
    if not sep or not m:
        return None
    k = m.start()
    return head + sep + body[:k] + bytes([body[k] ^ 0x20]) + body[k + 1:]


def main():
    ap = argparse.ArgumentParser(description="verify captured DKIM signatures offline")
    ap.add_argument("--records", action="append", required=True)
    ap.add_argument("--expect", required=True)
    ap.add_argument("--label", default="")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    table = read_records(a.records)

    def dnsfunc(name, timeout=5):
        return table.get(name.rstrip(b".").lower(), b"")

    expect = [] if a.expect == "none" else sorted(a.expect.split(","))
    nmsg = nsig = passed = failed = 0
    first = None
    for path in a.files:
        with open(path, "rb") as f:
            msg = message_from_dump(f.read())
        nmsg += 1
        algs = signatures(msg)
        n, ok = verify_all(msg, dnsfunc)
        nsig += n
        passed += ok
        problems = []
        if sorted(algs) != expect:
            problems.append(f"algorithms {sorted(algs)}, expected {expect}")
        if ok != n:
            problems.append(f"{n - ok} of {n} signatures failed")
        if problems:
            failed += 1
            print(f"{path}: {'; '.join(problems)}")
        if first is None:
            first = msg
    verdict = "skipped"
    if expect and first is not None:
        bad = tamper(first)
        if bad is not None:
            n, ok = verify_all(bad, dnsfunc)
            verdict = "detected" if n > 0 and ok == 0 else "NOT-detected"
    print(f"CHECK label={a.label or '-'} messages={nmsg} signatures={nsig} passed={passed} "
          f"failed={failed} tamper={verdict}")
    good = nmsg > 0 and failed == 0 and (verdict == "detected" or not expect)
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
