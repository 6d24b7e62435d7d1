#!/usr/bin/python3
"""DKIM checks of delivered messages for postfix_milter.sh, with dkimpy.

    dkim_check.py strip SINKFILE OUT   the message as Postfix sent it: the
                                       trace fields smtp-sink put on top are
                                       dropped, lines end in CRLF
    dkim_check.py tamper IN OUT        the same message with one body byte changed
    dkim_check.py verify ZONE MSG      verify every DKIM-Signature of MSG
    dkim_check.py fields MSG NAME      the header fields NAME of MSG, unfolded,
                                       one line each, in order

ZONE holds the output of `sendwarden keygen` (one or more runs): its zone-file
lines `SEL._domainkey.DOMAIN. IN TXT ( "..." "..." )` are the only DNS there
is; lines starting with ';' are comments. No query leaves the process.

verify prints one line per signature, in header order:
    a=ALGORITHM d=DOMAIN s=SELECTOR pass|fail [reason]
and exits 0 when MSG has at least one signature and every one passes.
Needs Debian's python3-dkim (and python3-nacl for Ed25519).
"""
import re
import sys

import dkim

# What smtp-sink -d writes before the message it received: its X- fields,
# then its own Received: field (with continuation lines).
SINK_FIELDS = re.compile(rb"^X-(Client-Addr|Client-Proto|Helo-Args|Mail-Args|Rcpt-Args):")


def crlf(data):
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def strip(data):
    lines = crlf(data).split(b"\r\n")
    n = 0
    while n < len(lines) and SINK_FIELDS.match(lines[n]):
        n += 1
    if n < len(lines) and lines[n].startswith(b"Received:"):
        end = n + 1
        while end < len(lines) and lines[end][:1] in (b" ", b"\t"):
            end += 1
        if b"(smtp-sink)" in b" ".join(lines[n:end]):
            n = end
    return b"\r\n".join(lines[n:])


def tamper(msg):
    head, sep, body = msg.partition(b"\r\n\r\n")
    if not sep or not body.strip():
        raise SystemExit("tamper: the message has no body")
    i = next(i for i, c in enumerate(body) if c not in b" \t\r\n")
    body = body[:i] + (b"X" if body[i:i + 1] != b"X" else b"Y") + body[i + 1:]
    return head + sep + body


def zone_records(path):
    """{b"sel._domainkey.domain": b"v=DKIM1; ..."} from keygen's zone lines."""
    records = {}
    for line in open(path, encoding="utf-8"):
        if line.startswith(";") or not line.strip():
            continue
        m = re.match(r"\s*(\S+)\s+(?:\d+\s+)?IN\s+TXT\s+(.*)$", line)
        if not m:
            continue
        name = m.group(1).rstrip(".").lower().encode()
        records[name] = "".join(re.findall(r'"([^"]*)"', m.group(2))).encode()
    return records


def signature_tags(value):
    tags = {}
    for part in re.sub(rb"\s+", b"", value).split(b";"):
        if b"=" in part:
            k, v = part.split(b"=", 1)
            tags[k.decode()] = v.decode(errors="replace")
    return tags


def verify(zone, msg):
    records = zone_records(zone)

    def dnsfunc(name, timeout=5):
        if isinstance(name, str):
            name = name.encode()
        return records.get(name.rstrip(b".").lower())

    head = msg.split(b"\r\n\r\n", 1)[0]
    fields = re.findall(rb"(?ims)^DKIM-Signature:(.*?)(?=\r\n[^ \t]|\Z)", head)
    good = bool(fields)
    for idx, value in enumerate(fields):
        t = signature_tags(value)
        try:
            d = dkim.DKIM(msg)
            passed = d.verify(idx=idx, dnsfunc=dnsfunc)
            why = "" if passed else "(dkimpy: signature did not verify)"
        except Exception as e:  # dkimpy raises on e.g. a body hash mismatch
            passed, why = False, f"({type(e).__name__}: {e})"
        good = good and bool(passed)
        print(f"a={t.get('a')} d={t.get('d')} s={t.get('s')} {'pass' if passed else 'fail'} {why}".rstrip())
    if not fields:
        print("no DKIM-Signature")
    return 0 if good else 1


def fields(msg, name):
    head = crlf(msg).split(b"\r\n\r\n", 1)[0]
    for m in re.finditer(rb"(?ims)^([^:\r\n]+):(.*?)(?=\r\n[^ \t]|\Z)", head):
        if m.group(1).decode(errors="replace").strip().lower() == name.lower():
            print(" ".join(m.group(2).decode(errors="replace").split()))
    return 0


def main():
    if len(sys.argv) == 4 and sys.argv[1] in ("strip", "tamper"):
        data = open(sys.argv[2], "rb").read()
        out = strip(data) if sys.argv[1] == "strip" else tamper(crlf(data))
        open(sys.argv[3], "wb").write(out)
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "verify":
        return verify(sys.argv[2], open(sys.argv[3], "rb").read())
    if len(sys.argv) == 4 and sys.argv[1] == "fields":
        return fields(open(sys.argv[2], "rb").read(), sys.argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
