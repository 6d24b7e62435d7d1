#!/usr/bin/python3
"""Disk full on the state directory: nothing crashes, nothing is half-applied,
everything proceeds once space is freed.

The state directory is on a 16 MB tmpfs that a filler file fills up.

policyd: running, then the disk fills; new users pass while the counters
have room allocated ahead (some MiB), then requests get [policyd] on_error,
one error line says "no space left on device" naming the counters
directory (one per 10 s at most, not one per request), the daemon keeps
serving (before the fix: SIGBUS); the filler removed, new users pass and an
early user's charge is still there, without a restart. Restarted on a full
disk with its state, it starts and answers.

ingest: on a full disk a message on stdin and a maildir batch exit 75
(EX_TEMPFAIL, Postfix retries) with a line naming the data directory;
nothing of them is recorded (suppressions, events, dedupe marks as before).
The filler removed, both exit 0, every message applied once; the same again
is a duplicate.

start: policyd on a full disk with a fresh state directory exits non-zero
with one fatal line naming the directory (no SIGBUS), and starts once the
filler is removed.

usage: tests/reliability/disk_full.py [BUILDDIR]   (default $SW_BUILDDIR or .)
Exit: 0 passed, 1 failed, 77 skipped (not root, no tmpfs mount, no
mdb_dump/mdb_copy).
"""

import atexit
import collections
import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

BUILDDIR = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SW_BUILDDIR", "."))
POLICYD = os.path.join(BUILDDIR, "src", "policyd", "sendwarden-policyd")
CLI = os.path.join(BUILDDIR, "src", "cli", "sendwarden")
NO_SPACE = "no space left on device"

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from state_faults import ON_ERROR, PROCS, Checks, Policyd as _Policyd, kill_all, read, tail  # noqa: E402
check = Checks('ok - ', 'FAIL - ')

for path in (POLICYD, CLI):
    if not os.access(path, os.X_OK):
        print("FAIL - %s not built" % path)
        sys.exit(1)
if os.geteuid() != 0:
    print("SKIP: mounting a small tmpfs needs root")
    sys.exit(77)
if not shutil.which("mdb_dump") or not shutil.which("mdb_copy"):
    print("SKIP: no mdb_dump or mdb_copy (lmdb-utils)")
    sys.exit(77)

T = tempfile.mkdtemp(prefix="sw-disk-full.")
M = os.path.join(T, "mnt")  # the small file system the state lives on
FILLER = os.path.join(M, "filler")
MOUNTED = False


def cleanup():
    kill_all()
    if MOUNTED and subprocess.call(["umount", M], stderr=subprocess.DEVNULL) != 0:
        subprocess.call(["umount", "-l", M])
    shutil.rmtree(T, ignore_errors=True)


atexit.register(cleanup)
for sig in (signal.SIGTERM, signal.SIGHUP):
    signal.signal(sig, lambda *_: sys.exit(1))
os.mkdir(M)
if subprocess.call(["mount", "-t", "tmpfs", "-o", "size=16m,mode=0755", "sw-disk-full", M]) != 0:
    print("SKIP: cannot mount a tmpfs on %s" % M)
    sys.exit(77)
MOUNTED = True

os.mkdir(os.path.join(T, "policy"))
with open(os.path.join(T, "policy", "limits"), "w") as f:
    f.write("user * messages 5/1h 5 defer\n")
with open(os.path.join(T, "policy", "orgs"), "w") as f:
    f.write("@acme.example acme\n")


def write_conf(name):
    path = os.path.join(T, name + ".conf")
    with open(path, "w") as f:
        f.write("[global]\npolicy_dir = %s/policy\ndefault_org = acme\n"
                "[store]\nstate_dir = %s/%s\ncounters_max_size = 64m\ndata_max_size = 64m\n"
                "[policyd]\nlisten = unix:%s/p.sock\n"
                "[ingest]\naccept_unmatched = yes\nquarantine_dir = %s/%s.quarantine\n"
                % (T, M, name, T, T, name))
    return path


def fill():
    """Fills the tmpfs to the last block; returns the blocks still free."""
    fd = os.open(FILLER, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for size in (65536, 4096):
            buf = b"\0" * size
            while True:
                try:
                    os.write(fd, buf)
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
                    break
    finally:
        os.close(fd)
    return os.statvfs(M).f_bavail


# ------------------------------------------------------------------ policyd

def Policyd(conf, log):
    return _Policyd(POLICYD, conf, log, os.path.join(T, "p.sock"))


plog = os.path.join(T, "policyd.log")
pstate = os.path.join(M, "p")
d = Policyd(write_conf("p"), plog)
before = [d.ask("early@acme.example")] + [d.ask("warm%02d@acme.example" % i) for i in range(20)]
check(before == ["DUNNO"] * 21, "policyd: 21 requests answered before the disk fills", repr(before[:3]))

left = fill()
check(left == 0, "policyd: the state file system is full (%d blocks free)" % left)
# The counters have some MiB allocated ahead (lmdb::Env::reserve_ahead): new
# users pass until that is used up, then every request that would write.
start = time.monotonic()
replies = []
for i in range(200000):
    replies.append(d.ask("full%06d@acme.example" % i))
    if replies[-1] != "DUNNO":
        break
passed = len(replies) - 1
for i in range(200):
    replies.append(d.ask("more%03d@acme.example" % i))
    if replies[-1] is None:
        break
elapsed = time.monotonic() - start
refused = [i for i, r in enumerate(replies) if r == ON_ERROR]
others = collections.Counter(r for r in replies[passed:] if r != ON_ERROR)
print("policyd: on the full disk %d new users passed, then %d requests: %d on_error, others %s (%.1f s)"
      % (passed, len(replies) - passed, len(refused), dict(others), elapsed))
rc = d.proc.poll()
check(rc is None, "policyd: still running after %d requests on the full disk" % len(replies),
      "exit status %s%s; log tail: %s" % (rc, " (SIGBUS)" if rc == -signal.SIGBUS else "", tail(plog)))
check(len(refused) == len(replies) - passed,
      "policyd: once the room allocated ahead is used up, every request gets on_error (%d of %d)"
      % (len(refused), len(replies) - passed), "others %s" % dict(others))
lines = [l for l in read(plog).splitlines() if "error:" in l]
check(lines and NO_SPACE in lines[0].lower() and pstate + "/counters" in lines[0] and "answering on_error" in lines[0],
      "policyd: the error line says no space, naming the directory: %s"
      % (lines[0].split(": ", 1)[1] if lines else "-"), tail(plog))
# One line per 10 s at most (the elapsed time only bounds what is allowed).
check(1 <= len(lines) <= 1 + int(elapsed / 10),
      "policyd: %d error line(s) for %d refusals in %.1f s, not a flood" % (len(lines), len(refused), elapsed))

os.unlink(FILLER)
after = [d.ask("after%02d@acme.example" % i) for i in range(20)]
again = d.ask("full%06d@acme.example" % passed) if refused else None
early = [d.ask("early@acme.example") for _ in range(5)]
check(after == ["DUNNO"] * 20 and again == "DUNNO",
      "policyd: the filler removed, new users and a refused one pass without a restart",
      "after %r, again %r" % (after[:3], again))
# early@ was charged 1 of 5 before the disk filled: 4 more pass, then defer.
check(early[:4] == ["DUNNO"] * 4 and (early[4] or "").startswith("450 "),
      "policyd: an early user's charge survived the full disk (4 more pass, the 5th: %s)"
      % (early[4] or "-")[:40], repr(early))
check(d.proc.poll() is None and read(plog).count(": ready: ") == 1, "policyd: the same process throughout")
d.stop()

left = fill()
try:
    d = Policyd(write_conf("p"), plog)
    restart = collections.Counter(d.ask("restart%02d@acme.example" % i) for i in range(20))
    d.stop()
except RuntimeError as e:
    restart = {str(e): 1}
check(set(restart) <= {"DUNNO", ON_ERROR}, "policyd: restarted on the full disk with its state, it starts and answers %s"
      % dict(restart))
os.unlink(FILLER)
shutil.rmtree(pstate)  # room for what follows

# ------------------------------------------------------------------ ingest


def dsn(rcpt):
    return "\n".join([
        "From: MAILER-DAEMON@mx.remote.example", "To: alice@acme.example",
        "Subject: Delivery Status Notification (Failure)", "MIME-Version: 1.0",
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"', "",
        "--b", "Content-Type: text/plain", "", "failed", "",
        "--b", "Content-Type: message/delivery-status", "", "Reporting-MTA: dns; mx.remote.example", "",
        "Final-Recipient: rfc822; " + rcpt, "Action: failed", "Status: 5.1.1",
        "Diagnostic-Code: smtp; 550 5.1.1 no such user", "",
        "--b", "Content-Type: text/rfc822-headers", "", "From: alice@acme.example", "To: " + rcpt,
        "Message-ID: <m.%s@acme.example>" % rcpt, "", "--b--", ""])


iconf = write_conf("i")
istate = os.path.join(M, "i")
os.mkdir(istate)
md = os.path.join(T, "md")
os.makedirs(os.path.join(md, "new"))
os.makedirs(os.path.join(md, "cur"))
batch = ["bad%02d@remote.example" % i for i in range(20)]
for i, rcpt in enumerate(batch):
    with open(os.path.join(md, "new", "%02d.msg" % i), "w") as f:
        f.write(dsn(rcpt))
for name, rcpt in (("seed.msg", "seed@remote.example"), ("pipe.msg", "pipe@remote.example")):
    with open(os.path.join(T, name), "w") as f:
        f.write(dsn(rcpt))


def ingest(args, stdin=None):
    with open(os.path.join(T, stdin) if stdin else os.devnull, "rb") as i:
        p = subprocess.run([CLI, "-c", iconf, "ingest", "--json"] + args, stdin=i, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def state():
    """Suppressed addresses, events per type, dedupe marks."""
    out = subprocess.run([CLI, "-c", iconf, "suppress", "list", "--json"], capture_output=True, text=True).stdout
    supp = sorted(json.loads(l)["address"] for l in out.splitlines() if l.strip())
    dump = subprocess.run(["mdb_dump", "-p", "-s", "events", os.path.join(istate, "data")],
                          capture_output=True, text=True).stdout
    events = dict(collections.Counter(re.findall(r'"type":"([a-z_]+)"', dump)))
    dump = subprocess.run(["mdb_dump", "-p", "-s", "ingested", os.path.join(istate, "data")],
                          capture_output=True, text=True).stdout.splitlines()
    marks = max(0, (len(dump) - dump.index("HEADER=END") - 2) // 2) if "HEADER=END" in dump else 0
    return supp, events, marks


rc, out, err = ingest([], stdin="seed.msg")
seeded = state()
check(rc == 0 and seeded[0] == ["seed@remote.example"], "ingest: one bounce applied before the disk fills (exit %d)" % rc,
      err[-300:])
# Compacted, the data file has no free page left: any new record needs the
# file to grow, so what follows cannot succeed by reusing freed pages.
data = os.path.join(istate, "data")
compact = os.path.join(T, "compact")
os.mkdir(compact)
subprocess.check_call(["mdb_copy", "-c", data, compact])
shutil.copyfile(os.path.join(compact, "data.mdb"), os.path.join(data, "data.mdb"))
left = fill()

rc, out, err = ingest([], stdin="pipe.msg")
data_dir = os.path.join(istate, "data")
check(rc == 75 and NO_SPACE in err.lower() and data_dir in err,
      "ingest pipe on the full disk: exit 75, naming %s: %s"
      % (data_dir, next((l for l in err.splitlines() if NO_SPACE in l.lower()), "-")[:200]),
      "exit %d (%d blocks free): %s" % (rc, left, err[-300:]))
rc, out, err = ingest(["--maildir", md])
check(rc == 75 and NO_SPACE in err.lower() and data_dir in err,
      "ingest --maildir on the full disk: exit 75 and the same line", "exit %d: %s" % (rc, err[-300:]))
# Its summary counts no message done: the whole batch failed with its commit.
summary = next((l for l in err.splitlines() if "messages done" in l), "")
check(summary.endswith("0 messages done, %d failed" % len(batch)),
      "ingest --maildir on the full disk: %r" % summary.split("ingest: ")[-1], err[-500:])
now = state()
check(now == seeded, "ingest on the full disk: nothing recorded (suppressions, events, dedupe marks as before: %s)"
      % (seeded,), "now %s" % (now,))

os.unlink(FILLER)
rc, out, err = ingest([], stdin="pipe.msg")
disp = json.loads(out.splitlines()[0]).get("disposition") if out.strip() else None
check(rc == 0 and disp == "applied", "ingest pipe, the filler removed: exit 0, %s" % disp, "exit %d: %s" % (rc, err[-300:]))
rc, out, err = ingest([], stdin="pipe.msg")
disp = json.loads(out.splitlines()[0]).get("disposition") if out.strip() else None
check(rc == 0 and disp == "duplicate", "ingest pipe, the same message again: %s" % disp, "exit %d: %s" % (rc, err[-300:]))
rc, out, err = ingest(["--maildir", md])
check(rc == 0, "ingest --maildir, the filler removed: exit 0", "exit %d: %s" % (rc, err[-300:]))
rc2, out2, err2 = ingest(["--maildir", md])
disps = collections.Counter(json.loads(l).get("disposition") for l in out2.splitlines() if l.strip())
check(rc2 == 0 and disps == {"duplicate": len(batch)}, "ingest --maildir again: %s" % dict(disps),
      "exit %d: %s" % (rc2, err2[-300:]))
got = state()
want_supp = sorted(batch + ["seed@remote.example", "pipe@remote.example"])
check(got[0] == want_supp and got[1].get("bounce") == len(want_supp) and got[2] == len(want_supp),
      "ingest: every message applied once (%d suppressions, %d bounce events, %d dedupe marks)"
      % (len(got[0]), got[1].get("bounce", 0), got[2]), "got %s" % (got,))
shutil.rmtree(istate)

# ------------------------------------------------------------------ start

fconf = write_conf("f")
fstate = os.path.join(M, "f")
left = fill()
flog = os.path.join(T, "fresh.log")
with open(flog, "wb") as out:
    p = subprocess.Popen([POLICYD, "-c", fconf, "--foreground"], stdin=subprocess.DEVNULL, stdout=out, stderr=out)
PROCS.append(p)
try:
    rc = p.wait(10)
except subprocess.TimeoutExpired:
    rc = None
fatal = [l for l in read(flog).splitlines() if "fatal:" in l]
check(rc is not None and rc > 0, "start on a full disk, fresh state: policyd exits %s" % rc,
      "%s; log: %s" % ("SIGBUS" if rc == -signal.SIGBUS else "still running" if rc is None else "", tail(flog)))
check(len(fatal) == 1 and NO_SPACE in fatal[0].lower() and fstate in fatal[0],
      "start on a full disk: one fatal line says no space, naming %s: %s"
      % (fstate, fatal[0].split(": ", 1)[1][:200] if fatal else "-"), tail(flog))
if p.poll() is None:
    p.kill()
    p.wait()
os.unlink(FILLER)
try:
    d = Policyd(fconf, plog)
    ok = d.ask("fresh@acme.example")
    d.stop()
except RuntimeError as e:
    ok = str(e)
check(ok == "DUNNO", "start, the filler removed: policyd starts and answers (%s)" % ok)

if check.failed:
    print("--- policyd log tail\n" + tail(plog))
print("%d passed, %d failed" % (check.passed, check.failed))
sys.exit(1 if check.failed else 0)
