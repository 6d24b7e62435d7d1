#!/bin/bash
# corrupt_state.sh — a durable data.mdb overwritten with garbage, truncated,
# emptied, or of another format version: the CLI and sendwarden-policyd
# refuse with a message naming the file, and the file is left as it was
# (never silently recreated). A garbage counters/data.mdb (disposable) is
# reset with a log line and policyd starts; the milter (its sent index is
# there) starts too, with a warning.
#
# usage: tests/reliability/corrupt_state.sh [BUILDDIR]   (default ".")
# Exit: 0 passed, 1 failed, 77 skipped (no mdb_load).
set -u
export LC_ALL=C
BUILDDIR=${1:-.}
CLI=$BUILDDIR/src/cli/sendwarden
POLICYD=$BUILDDIR/src/policyd/sendwarden-policyd
MILTER=$BUILDDIR/src/milter/sendwarden-milter
for p in "$CLI" "$POLICYD" "$MILTER"; do [ -x "$p" ] || { echo "FAIL: $p not built"; exit 1; }; done
command -v mdb_load >/dev/null || { echo "SKIP: mdb_load (lmdb-utils) missing"; exit 77; }

PASSED=0 FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "PASS: $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $*"; }
T=$(mktemp -d "${TMPDIR:-/tmp}/sw-corrupt.XXXXXX")
PID=
trap '[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null; rm -rf "$T"' EXIT
mkdir -p "$T/policy" "$T/s"
: >"$T/policy/limits"
: >"$T/policy/orgs"
printf '[global]\npolicy_dir = %s/policy\n[store]\nstate_dir = %s/s\n[policyd]\nlisten = unix:%s/p.sock\n[milter]\nsocket = unix:%s/m.sock\n' \
    "$T" "$T" "$T" "$T" >"$T/c.conf"
sw() { "$CLI" -c "$T/c.conf" "$@"; }
DATA=$T/s/data/data.mdb

sw suppress add keep@example.org --reason manual >/dev/null 2>&1
cp "$DATA" "$T/good.mdb"

# policyd in the foreground, at most 5 s; its exit status and output
policyd_run() {
    timeout 5 "$POLICYD" -c "$T/c.conf" --foreground >"$T/policyd.log" 2>&1
    echo $?
}
refuses() {  # refuses LABEL: every program refuses, naming data.mdb; the file unchanged
    local label=$1 sum rc
    sum=$(md5sum <"$DATA")
    sw suppress list >/dev/null 2>"$T/cli.err"
    rc=$?
    if [ "$rc" != 0 ] && grep -q "$DATA" "$T/cli.err"; then
        pass "$label: suppress list exits $rc: $(tail -1 "$T/cli.err" | cut -c1-160)"
    else
        fail "$label: suppress list exit $rc: $(tail -2 "$T/cli.err")"
    fi
    sw ingest <"$T/good.mdb" >/dev/null 2>"$T/ingest.err"
    rc=$?
    [ "$rc" = 75 ] && grep -q "$DATA" "$T/ingest.err" && pass "$label: ingest exits 75 naming the file" \
        || fail "$label: ingest exit $rc: $(tail -2 "$T/ingest.err")"
    rc=$(policyd_run)
    if [ "$rc" != 0 ] && [ "$rc" != 124 ] && grep -q "fatal: .*$DATA" "$T/policyd.log"; then
        pass "$label: policyd refuses to start (exit $rc): $(grep -o 'fatal: .*' "$T/policyd.log" | cut -c1-160)"
    else
        fail "$label: policyd exit $rc: $(tail -3 "$T/policyd.log")"
    fi
    [ "$(md5sum <"$DATA")" = "$sum" ] && pass "$label: data.mdb left as it was" || fail "$label: data.mdb was changed"
}

head -c 65536 /dev/urandom >"$DATA"
refuses "garbage"
cp "$T/good.mdb" "$DATA"; truncate -s 4096 "$DATA"
refuses "truncated to 4096 bytes"
: >"$DATA"
refuses "emptied"
# another format version in the meta database
cp "$T/good.mdb" "$DATA"
printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n %s\n %s\nDATA=END\n' \
    "$(printf format | od -An -tx1 | tr -d ' \n')" "$(printf 9 | od -An -tx1 | tr -d ' \n')" |
    mdb_load -s meta "$T/s/data"
sum=$(md5sum <"$DATA")
sw suppress list >/dev/null 2>"$T/cli.err"
rc=$?
[ "$rc" != 0 ] && grep -q "format version 9 is not 1" "$T/cli.err" && pass "format 9: suppress list exits $rc: $(tail -1 "$T/cli.err" | cut -c1-160)" \
    || fail "format 9: exit $rc: $(cat "$T/cli.err")"
rc=$(policyd_run)
[ "$rc" != 0 ] && [ "$rc" != 124 ] && grep -q "fatal: .*format version 9" "$T/policyd.log" && pass "format 9: policyd refuses to start (exit $rc)" \
    || fail "format 9: policyd exit $rc: $(tail -3 "$T/policyd.log")"
[ "$(md5sum <"$DATA")" = "$sum" ] && pass "format 9: data.mdb left as it was" || fail "format 9: data.mdb was changed"

# The disposable counters: reset with a line, policyd runs; the data kept.
cp "$T/good.mdb" "$DATA"
sw org status x >/dev/null 2>&1  # creates counters/
# The milter keeps its sent index there: it starts, saying what it does
head -c 65536 /dev/urandom >"$T/s/counters/data.mdb"
"$MILTER" -c "$T/c.conf" --foreground >"$T/milter.log" 2>&1 &
PID=$!
for _ in $(seq 100); do grep -q ': ready: ' "$T/milter.log" && break; sleep 0.05; done
if grep -q ': ready: ' "$T/milter.log" && [ -S "$T/m.sock" ] && grep -Eq 'warning: .*counters.*(reset|sent index)' "$T/milter.log"; then
    pass "garbage counters: the milter starts and serves, with a warning: $(grep -Eo 'warning: .*counters.*(reset|sent index).*' "$T/milter.log" | head -1 | cut -c1-160)"
else
    fail "garbage counters: milter: $(tail -3 "$T/milter.log")"
fi
kill "$PID"; wait "$PID" 2>/dev/null; PID=
head -c 65536 /dev/urandom >"$T/s/counters/data.mdb"
rm -f "$T/s/counters/lock.mdb"
"$POLICYD" -c "$T/c.conf" --foreground >"$T/policyd.log" 2>&1 &
PID=$!
for _ in $(seq 100); do grep -q ': ready: ' "$T/policyd.log" && break; sleep 0.05; done
if grep -q ': ready: ' "$T/policyd.log" && grep -q 'warning: .*counters/data.mdb: .*counters reset' "$T/policyd.log"; then
    pass "garbage counters: policyd resets them and starts: $(grep -o 'warning: .*counters reset.*' "$T/policyd.log" | cut -c1-160)"
else
    fail "garbage counters: $(tail -3 "$T/policyd.log")"
fi
kill "$PID"; wait "$PID" 2>/dev/null; PID=
sw suppress list 2>/dev/null | grep -q keep@example.org && pass "garbage counters: the durable suppression is still there" \
    || fail "garbage counters: suppression lost"

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
