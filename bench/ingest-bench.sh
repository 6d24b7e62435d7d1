#!/bin/bash
# ingest-bench.sh — `sendwarden ingest` throughput on the bounce and ARF
# corpus (issue "Benchmark": at least 2,000 messages/s in batch mode).
#
# usage: bench/ingest-bench.sh [BUILDDIR] [CORPUS]   (make bench-ingest)
#
# Copies every message of CORPUS/bounces and CORPUS/arf into one maildir
# (file names made unique), then for each of ROUNDS (default 5) rounds on a
# fresh state directory:
#   batch: `sendwarden ingest --maildir DIR` — wall time, messages/s;
# and once, the pipe mode: one process per message on stdin (what a Postfix
# pipe transport does), for the first PIPE_N (default 200) messages.
# Prints one line per measurement and the median batch rate. The sent index is
# empty, so every report is unmatched: parse, attribution lookups, dedupe
# mark, events, counters and quarantine (for the non-bounces) all run; no
# suppression is written (that is one more put in the same transaction).
set -eu
BUILDDIR=${1:-.}
CORPUS=${2:-$(cd "$(dirname "$0")/../.." && pwd)/shared/corpus}
ROUNDS=${ROUNDS:-5}
PIPE_N=${PIPE_N:-200}
CLI=$BUILDDIR/src/cli/sendwarden
[ -x "$CLI" ] || { echo "ingest-bench: build $CLI first" >&2; exit 1; }
[ -d "$CORPUS/bounces" ] || { echo "ingest-bench: no corpus at $CORPUS" >&2; exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/sw-ingest-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/maildir/new" "$W/policy"
n=0
while IFS= read -r -d '' f; do
    n=$((n + 1))
    cp "$f" "$W/maildir/new/$(printf '%05d' "$n").$(basename "$f")"
done < <(find "$CORPUS/bounces" "$CORPUS/arf" -type f \( -name '*.eml' -o -name '*.txt' -o -name '*.msg' \) \
             ! -name 'EXPECTED*' ! -name 'INDEX*' ! -name 'MANIFEST*' ! -name 'README*' ! -name 'LICENSE*' -print0 | sort -z)
BYTES=$(du -sb "$W/maildir/new" | cut -f1)
: > "$W/policy/limits"
echo "@example.jp acme" > "$W/policy/orgs"
conf() {
    cat > "$W/sw.conf" <<EOF
[global]
policy_dir = $W/policy
[store]
state_dir = $1
EOF
}
now_ns() { date +%s%N; }
echo "ingest-bench: $n messages, $((BYTES / 1024)) KiB, $(nproc) CPUs, $ROUNDS rounds"
rates=()
for r in $(seq 1 "$ROUNDS"); do
    rm -rf "$W/state"; mkdir -p "$W/state"; conf "$W/state"
    t0=$(now_ns)
    "$CLI" -c "$W/sw.conf" ingest --maildir "$W/maildir" >/dev/null 2>"$W/err"
    t1=$(now_ns)
    ms=$(( (t1 - t0) / 1000000 ))
    rate=$(( n * 1000 / (ms > 0 ? ms : 1) ))
    rates+=("$rate")
    echo "batch round $r: $n messages in $ms ms = $rate msg/s ($(tail -n 1 "$W/err" | sed 's/^sendwarden ingest: //'))"
done
median=$(printf '%s\n' "${rates[@]}" | sort -n | sed -n "$(( (ROUNDS + 1) / 2 ))p")
echo "batch median: $median msg/s (target >= 2000)"

rm -rf "$W/state"; mkdir -p "$W/state"; conf "$W/state"
files=("$W"/maildir/new/*)
[ "$PIPE_N" -gt "$n" ] && PIPE_N=$n
t0=$(now_ns)
for ((i = 0; i < PIPE_N; i++)); do
    "$CLI" -c "$W/sw.conf" ingest < "${files[$i]}" >/dev/null 2>&1 || true
done
t1=$(now_ns)
ms=$(( (t1 - t0) / 1000000 ))
echo "pipe mode (one process and one synced commit per message): $PIPE_N messages in $ms ms = $(( PIPE_N * 1000 / (ms > 0 ? ms : 1) )) msg/s, $(( ms * 1000 / PIPE_N )) us/msg"
