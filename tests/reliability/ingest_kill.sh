#!/bin/bash
# ingest_kill.sh — `sendwarden ingest` SIGKILLed at random points, then
# retried as Postfix would, must end in the state of one uninterrupted run:
#   batch: real DSNs of the shared corpus in a maildir; ROUNDS runs killed
#          after a random delay spread over the run time, then one run to
#          completion; compared with a single run on a fresh state: the same
#          suppressions (none twice, none lost), the same events per type,
#          the same dedupe marks; the org's counters (disposable) never
#          counted twice.
#   pipe:  one message on stdin per round, killed after a random delay; the
#          state right after the kill is that before or after the whole
#          message (never half of it); the retry exits 0 or 75 and ends
#          with the message applied once.
# Attribution: [global] default_org = acme and [ingest] accept_unmatched =
# yes, so every bounce with a readable original sender acts for org acme.
# The verdict does not depend on where the kills land.
#
# usage: tests/reliability/ingest_kill.sh [BUILDDIR]   (default ".")
# Exit: 0 passed, 1 failed, 77 skipped (no corpus or no mdb_stat).
set -u
export LC_ALL=C

BUILDDIR=${1:-.}
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
CLI=$BUILDDIR/src/cli/sendwarden
[ -x "$CLI" ] || { echo "FAIL: $CLI not built"; exit 1; }
CORPUS=${SW_CORPUS_DIR:-$SRCDIR/../shared/corpus}/bounces/sisimai-set-of-emails/maildir/bsd
[ -d "$CORPUS" ] || { echo "SKIP: no bounce corpus at $CORPUS"; exit 77; }
command -v mdb_stat >/dev/null && command -v mdb_dump >/dev/null || { echo "SKIP: mdb_stat/mdb_dump (lmdb-utils) missing"; exit 77; }
PY=/usr/bin/python3
N=${SW_KILL_MESSAGES:-400}     # batch size in messages (ingest commits every 256)
ROUNDS=${SW_KILL_ROUNDS:-20}
PIPE_ROUNDS=${SW_KILL_PIPE_ROUNDS:-20}

PASSED=0 FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "PASS: $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $*"; }

T=$(mktemp -d "${TMPDIR:-/tmp}/sw-ingest-kill.XXXXXX")
BG=
cleanup() { [ -n "$BG" ] && kill -9 "$BG" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

mkdir -p "$T/policy" "$T/md/new"
: >"$T/policy/limits"
echo "@acme.example acme" >"$T/policy/orgs"
conf() {  # conf NAME: a config with its own state and quarantine
    mkdir -p "$T/$1.state"
    cat >"$T/$1.conf" <<EOF
[global]
policy_dir = $T/policy
default_org = acme
[store]
state_dir = $T/$1.state
[ingest]
accept_unmatched = yes
quarantine_dir = $T/$1.quarantine
EOF
}

# The first N corpus messages (sorted, so every run picks the same ones).
ls "$CORPUS" | sort | head -n "$N" | while read -r f; do cp "$CORPUS/$f" "$T/md/new/$f"; done
n=$(ls "$T/md/new" | wc -l)

entries() {  # entries STATE DBI ENV: number of records
    mdb_stat -s "$2" "$1/${3:-data}" 2>/dev/null | awk '/Entries:/ {print $2}'
}
# The comparable form of the durable state: suppressions without their
# times, events per type, dedupe marks, quarantined files.
summary() {  # summary NAME
    local s=$T/$1.state
    "$CLI" -c "$T/$1.conf" suppress list --json 2>/dev/null |
        "$PY" -c 'import json,sys
for line in sys.stdin:
    r = json.loads(line)
    print("supp", r["org"], r["address"], r["reason"], r["source"])' | sort >"$T/$1.supp"
    mdb_dump -p -s events "$s/data" | grep -o '"type":"[a-z_]*"' | cut -d'"' -f4 | sort | uniq -c >"$T/$1.events"
    echo "ingested $(entries "$s" ingested)" >"$T/$1.marks"
    echo "quarantined $(ls "$T/$1.quarantine" 2>/dev/null | wc -l)" >>"$T/$1.marks"
}
unmatched_count() {  # the org's counted reports (counters environment)
    "$CLI" -c "$T/$1.conf" org status acme --json 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["unmatched"])'
}
now_ms() { date +%s%3N; }
ms_to_s() { awk -v d="$1" 'BEGIN {printf "%.3f", d / 1000}'; }
# empty counts (an environment not created yet) read as 0
norm() { awk '{for (i = 1; i <= 3; i++) printf "%s%d", (i > 1 ? " " : ""), $i + 0; print ""}' <<<"$1"; }

# ---------------------------------------------------------------- reference
conf ref
t0=$(now_ms)
"$CLI" -c "$T/ref.conf" ingest --maildir "$T/md" >/dev/null 2>"$T/ref.err"
rc=$? run_ms=$(($(now_ms) - t0))
[ "$rc" = 0 ] || { echo "FAIL: reference run exit $rc"; tail -5 "$T/ref.err"; exit 1; }
summary ref
ref_supp=$(wc -l <"$T/ref.supp") ref_events=$(awk '{s += $1} END {print s + 0}' "$T/ref.events")
ref_unmatched=$(unmatched_count ref)
echo "reference: $n messages in ${run_ms} ms: $ref_supp suppressions, $ref_events events, $(tr '\n' ' ' <"$T/ref.marks")unmatched=$ref_unmatched"

# ---------------------------------------------------------------- batch, killed
conf kill
killed=0 finished=0 delays=
for i in $(seq 1 "$ROUNDS"); do
    # delays spread over 0 .. 0.9 x the run time of a fresh state
    d=$(( (RANDOM * 32768 + RANDOM) % (run_ms * 9 / 10 + 1) ))
    delays="$delays $d"
    "$CLI" -c "$T/kill.conf" ingest --maildir "$T/md" >/dev/null 2>>"$T/kill.err" &
    BG=$!
    sleep "$(ms_to_s "$d")"
    if kill -9 "$BG" 2>/dev/null; then killed=$((killed + 1)); else finished=$((finished + 1)); fi
    wait "$BG" 2>/dev/null
    BG=
done
"$CLI" -c "$T/kill.conf" ingest --maildir "$T/md" >/dev/null 2>>"$T/kill.err"
rc=$?
echo "batch: $ROUNDS rounds, $killed killed, $finished finished first; delays (ms):$delays"
[ "$rc" = 0 ] && pass "batch: the run after the kills exits 0" || { fail "batch: final run exit $rc"; tail -5 "$T/kill.err"; }
summary kill
kill_supp=$(wc -l <"$T/kill.supp") kill_events=$(awk '{s += $1} END {print s + 0}' "$T/kill.events")
dups=$(sort "$T/kill.supp" | uniq -d | wc -l)
if cmp -s "$T/ref.supp" "$T/kill.supp" && [ "$dups" = 0 ]; then
    pass "batch: suppressions $kill_supp = $ref_supp, none twice, none lost"
else
    fail "batch: suppressions $kill_supp vs $ref_supp ($dups twice)"; diff "$T/ref.supp" "$T/kill.supp" | head -5
fi
if cmp -s "$T/ref.events" "$T/kill.events"; then
    pass "batch: events $kill_events = $ref_events ($(awk '{printf "%s%s=%s", (NR > 1 ? " " : ""), $2, $1}' "$T/kill.events"))"
else
    fail "batch: events differ"; diff "$T/ref.events" "$T/kill.events"
fi
cmp -s "$T/ref.marks" "$T/kill.marks" && pass "batch: $(tr '\n' ' ' <"$T/kill.marks")(as the reference)" \
    || fail "batch: marks $(tr '\n' ' ' <"$T/kill.marks")vs $(tr '\n' ' ' <"$T/ref.marks")"
kill_unmatched=$(unmatched_count kill)
# The counters environment is not the durable one: a kill between the data
# commit and the counter update may lose counts, but never count twice.
if [ "$kill_unmatched" -le "$ref_unmatched" ]; then
    pass "batch: org counters unmatched=$kill_unmatched <= $ref_unmatched (none counted twice)"
else
    fail "batch: org counters unmatched=$kill_unmatched > $ref_unmatched: reports counted twice"
fi

# ---------------------------------------------------------------- pipe, killed
# Each message goes first through a reference state (its run time bounds
# the kill delay), whose counts after it are what the killed run must show
# after its retries.
conf pref
conf pipe
msgs=$(ls "$T/md/new" | sort | head -n "$PIPE_ROUNDS")
snap() { norm "$(entries "$T/$1.state" ingested) $(entries "$T/$1.state" events) $(entries "$T/$1.state" suppressions)"; }
half=0 pkilled=0 pfinished=0 bad_rc=0 not_once=0 tries_total=0 pipe_ms=0
for f in $msgs; do
    t0=$(now_ms)
    "$CLI" -c "$T/pref.conf" ingest <"$T/md/new/$f" >/dev/null 2>>"$T/pref.err"
    ms=$(($(now_ms) - t0))
    [ "$ms" -gt "$pipe_ms" ] && pipe_ms=$ms
    want=$(snap pref)
    before=$(snap pipe)
    d=$(( RANDOM % (ms * 12 / 10 + 1) ))
    "$CLI" -c "$T/pipe.conf" ingest <"$T/md/new/$f" >/dev/null 2>>"$T/pipe.err" &
    BG=$!
    sleep "$(ms_to_s "$d")"
    if kill -9 "$BG" 2>/dev/null; then pkilled=$((pkilled + 1)); else pfinished=$((pfinished + 1)); fi
    wait "$BG" 2>/dev/null
    BG=
    after=$(snap pipe)
    if [ "$after" != "$before" ] && [ "$after" != "$want" ]; then
        half=$((half + 1))
        echo "  $f: after the kill $after, want $before or $want"
    fi
    rc=75 tries=0
    while [ "$rc" = 75 ] && [ "$tries" -lt 3 ]; do
        tries=$((tries + 1))
        "$CLI" -c "$T/pipe.conf" ingest <"$T/md/new/$f" >/dev/null 2>>"$T/pipe.err"
        rc=$?
    done
    tries_total=$((tries_total + tries))
    [ "$rc" = 0 ] || { bad_rc=$((bad_rc + 1)); echo "  $f: retry exit $rc"; }
    [ "$(snap pipe)" = "$want" ] || { not_once=$((not_once + 1)); echo "  $f: after the retry $(snap pipe), want $want"; }
done
echo "pipe: $PIPE_ROUNDS messages, $pkilled killed, $pfinished finished first, $tries_total retries (longest run ${pipe_ms} ms)"
[ "$half" = 0 ] && pass "pipe: no message half-applied after a kill ($PIPE_ROUNDS checked)" || fail "pipe: $half messages half-applied"
[ "$bad_rc" = 0 ] && pass "pipe: every retry exits 0 or 75" || fail "pipe: $bad_rc retries exited otherwise"
summary pipe
summary pref
if [ "$not_once" = 0 ] && cmp -s "$T/pipe.supp" "$T/pref.supp" && cmp -s "$T/pipe.events" "$T/pref.events"; then
    pass "pipe: each message applied once: $(wc -l <"$T/pipe.supp") suppressions, $(awk '{s += $1} END {print s + 0}' "$T/pipe.events") events, as the reference"
else
    fail "pipe: $not_once messages not applied exactly once"
fi

if [ "$FAILED" != 0 ]; then
    for l in kill pipe; do echo "--- tail of $l.err"; tail -5 "$T/$l.err" 2>/dev/null; done
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
