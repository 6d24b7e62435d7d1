#!/usr/bin/python3
"""LMDB map full, then the map raised: nothing lost, everything proceeds.

policyd: a counters map of 128k filled by distinct users; the request that
finds it full gets [policyd] on_error and one error line names
counters_max_size (a few more failures add no line: one per 10 s); restarted
with counters_max_size raised, the refused user passes and an early user's
charge is still there (5/1h: 1 before, 4 more pass, the 5th is deferred).

ingest: a data map of 64k; a maildir batch of corpus DSNs and one message on
stdin exit 75 (EX_TEMPFAIL, Postfix retries) with a line naming
data_max_size; rerun with the map raised, they exit 0 and the state equals
that of a run on a fresh, large state (suppressions, events per type,
dedupe marks).

usage: tests/reliability/map_full.py [BUILDDIR]   (default $SW_BUILDDIR or .)
Exit: 0 passed, 1 failed, 77 skipped (no corpus, no mdb_dump).
"""

import atexit
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

BUILDDIR = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SW_BUILDDIR", "."))
SRCDIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
POLICYD = os.path.join(BUILDDIR, "src", "policyd", "sendwarden-policyd")
CLI = os.path.join(BUILDDIR, "src", "cli", "sendwarden")
CORPUS = os.path.join(os.environ.get("SW_CORPUS_DIR", os.path.join(SRCDIR, "..", "shared", "corpus")),
                      "bounces", "sisimai-set-of-emails", "maildir", "bsd")
FULL_LINE = "counters database is full: raise [store] counters_max_size"
DATA_FULL = "data database is full: raise [store] data_max_size"

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from state_faults import ON_ERROR, Checks, Policyd as _Policyd, kill_all, tail  # noqa: E402
check = Checks('PASS: ', 'FAIL: ')

for path in (POLICYD, CLI):
    if not os.access(path, os.X_OK):
        print("FAIL: %s not built" % path)
        sys.exit(1)
if not os.path.isdir(CORPUS) or not shutil.which("mdb_dump"):
    print("SKIP: no bounce corpus at %s or no mdb_dump (lmdb-utils)" % CORPUS)
    sys.exit(77)

T = tempfile.mkdtemp(prefix="sw-map-full.")


def cleanup():
    kill_all()
    shutil.rmtree(T, ignore_errors=True)


atexit.register(cleanup)
os.mkdir(os.path.join(T, "policy"))
with open(os.path.join(T, "policy", "limits"), "w") as f:
    f.write("user * messages 5/1h 5 defer\n")
with open(os.path.join(T, "policy", "orgs"), "w") as f:
    f.write("@acme.example acme\n")


def write_conf(name, counters="64m", data="64m"):
    state = os.path.join(T, name + ".state")
    os.makedirs(state, exist_ok=True)
    path = os.path.join(T, name + ".conf")
    with open(path, "w") as f:
        f.write("[global]\npolicy_dir = %s/policy\ndefault_org = acme\n"
                "[store]\nstate_dir = %s\ncounters_max_size = %s\ndata_max_size = %s\n"
                "[policyd]\nlisten = unix:%s/p.sock\n"
                "[ingest]\naccept_unmatched = yes\nquarantine_dir = %s/%s.quarantine\n"
                % (T, state, counters, data, T, T, name))
    return path


# ------------------------------------------------------------------ policyd

def Policyd(conf, log):
    return _Policyd(POLICYD, conf, log, os.path.join(T, "p.sock"))


plog = os.path.join(T, "policyd.log")
conf = write_conf("p", counters="128k")
d = Policyd(conf, plog)
users, refused = 0, None
for i in range(5000):
    user = "filler%05d@acme.example" % i
    reply = d.ask(user)
    if reply != "DUNNO":
        refused = (user, reply)
        break
    users += 1
more = [d.ask("more%d@acme.example" % i) for i in range(5)]
time.sleep(0.2)
full_lines = [l for l in d.text().splitlines() if FULL_LINE in l]
print("policyd: counters map 128k full after %d users; refused %s with %r; %d more refusals, %d error line(s)"
      % (users, refused[0] if refused else "-", refused[1] if refused else "-", len(more), len(full_lines)))
check(refused is not None and refused[1] == ON_ERROR and all(m == ON_ERROR for m in more),
      "policyd: the requests that find the map full get on_error (%r)" % ON_ERROR,
      "refused=%r more=%r" % (refused, more))
check(len(full_lines) == 1 and "error:" in full_lines[0] and "answering on_error" in full_lines[0],
      "policyd: one error line names counters_max_size: %s" % (full_lines[0].split(": ", 1)[1] if full_lines else "-"),
      "%d lines; log tail: %s" % (len(full_lines), tail(plog)))
check(d.proc.poll() is None, "policyd: still running with a full map")
d.stop()

conf = write_conf("p", counters="8m")
d = Policyd(conf, plog)
after_refused = d.ask(refused[0]) if refused else None
early = [d.ask("filler00000@acme.example") for _ in range(5)]
d.stop()
check(after_refused == "DUNNO", "policyd: counters_max_size raised to 8m, restarted: %s passes" %
      (refused[0] if refused else "-"), repr(after_refused))
# filler00000 was charged 1 of 5 before the map filled: 4 more pass, then defer.
check(early[:4] == ["DUNNO"] * 4 and early[4].startswith("450 "),
      "policyd: an early user's charge survived the full map and the restart (4 more pass, the 5th: %s)"
      % (early[4][:40] if early[4] else "-"), repr(early))

# ------------------------------------------------------------------ ingest

md = os.path.join(T, "md", "new")
os.makedirs(md)
names = sorted(os.listdir(CORPUS))[:201]
one = os.path.join(T, names.pop())  # the stdin message, not in the batch
shutil.copy(os.path.join(CORPUS, os.path.basename(one)), one)
for n in names:
    shutil.copy(os.path.join(CORPUS, n), md)


def ingest(conf, args, stdin=None):
    err = os.path.join(T, "ingest.err")
    with open(err, "ab") as e, open(stdin or os.devnull, "rb") as i:
        start = e.tell()
        rc = subprocess.call([CLI, "-c", conf, "ingest"] + args, stdin=i, stdout=subprocess.DEVNULL, stderr=e)
    with open(err, errors="replace") as f:
        f.seek(start)
        return rc, f.read()


def summary(name, conf):
    out = subprocess.run([CLI, "-c", conf, "suppress", "list", "--json"], capture_output=True, text=True).stdout
    # Not the source: which of two bounces of one address came first decides it.
    supp = sorted((r["org"], r["address"], r["reason"])
                  for r in (json.loads(l) for l in out.splitlines() if l.strip()))
    dump = subprocess.run(["mdb_dump", "-p", "-s", "events", os.path.join(T, name + ".state", "data")],
                          capture_output=True, text=True).stdout
    events = collections.Counter(re.findall(r'"type":"([a-z_]+)"', dump))
    dump = subprocess.run(["mdb_dump", "-p", "-s", "ingested", os.path.join(T, name + ".state", "data")],
                          capture_output=True, text=True).stdout
    marks = max(0, (len(dump.splitlines()) - dump.splitlines().index("HEADER=END") - 2) // 2) if dump else 0
    return supp, dict(events), marks


ref_conf = write_conf("ref")
rc, _ = ingest(ref_conf, ["--maildir", os.path.dirname(md)])
rc1, _ = ingest(ref_conf, [], stdin=one)
ref = summary("ref", ref_conf)
print("reference: %d + 1 messages: %d suppressions, events %s, %d dedupe marks (exit %d, %d)"
      % (len(names), len(ref[0]), ref[1], ref[2], rc, rc1))

small = write_conf("small", data="64k")
rc, err = ingest(small, ["--maildir", os.path.dirname(md)])
full = [l for l in err.splitlines() if DATA_FULL in l]
print("ingest batch, data map 64k: exit %d, %d of its lines name data_max_size" % (rc, len(full)))
check(rc == 75 and full, "ingest batch with a full data map: exit 75 and '%s'" % DATA_FULL,
      "exit %d: %s" % (rc, err[-400:]))
rc1, err1 = ingest(small, [], stdin=one)
check(rc1 == 75 and DATA_FULL in err1, "ingest pipe with a full data map: exit 75 and the same line",
      "exit %d: %s" % (rc1, err1[-300:]))

big = write_conf("small", data="64m")
rc, err = ingest(big, ["--maildir", os.path.dirname(md)])
rc1, err1 = ingest(big, [], stdin=one)
got = summary("small", big)
check(rc == 0 and rc1 == 0, "ingest after data_max_size raised to 64m: batch and pipe exit 0 (%d, %d)" % (rc, rc1),
      err[-300:] + err1[-300:])
# Messages failed with the full map are redone after the others, so the
# suppression_added events may differ from the reference by the entries
# that order decides (a soft then a hard bounce of one address adds two,
# the other order one), and so may the source of a suppression; the
# suppressions (address, org, reason) and every bounce are the same.
check(got[0] == ref[0] and got[1].get("bounce") == ref[1].get("bounce") and got[2] == ref[2],
      "ingest after the raise: %d suppressions, %d bounce events, %d dedupe marks: as the reference "
      "(suppression_added events %d, reference %d)"
      % (len(got[0]), got[1].get("bounce", 0), got[2], got[1].get("suppression_added", 0),
         ref[1].get("suppression_added", 0)),
      "got %s vs %s; suppressions only here %s, only in the reference %s"
      % (got[1:], ref[1:], sorted(set(got[0]) - set(ref[0]))[:3], sorted(set(ref[0]) - set(got[0]))[:3]))

if check.failed:
    print("--- policyd log tail\n" + tail(plog) + "--- ingest log tail\n" + tail(os.path.join(T, "ingest.err")))
print("%d passed, %d failed" % (check.passed, check.failed))
sys.exit(1 if check.failed else 0)
