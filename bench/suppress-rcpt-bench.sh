#!/bin/bash
# suppress-rcpt-bench.sh — the RCPT check as Postfix sees it: policy requests
# to a running sendwarden-policyd whose suppression list holds SMALL (1,000)
# and then LARGE (10,000,000) global entries; latency per request with one
# persistent connection (as one smtpd process keeps), p50 and p99 from
# bench/policy-load. Half the recipients asked about are listed (550 5.1.1),
# half are not (DUNNO). No limits are configured, so the answer is the
# suppression check plus the protocol.
#
# usage: bench/suppress-rcpt-bench.sh [BUILDDIR]     (make bench-suppress-rcpt)
# Environment: SMALL, LARGE (entries), REQUESTS (timed requests per size,
# default 200000), ROUNDS (default 3; the median p99 is reported), DIR (where
# the state goes: about 2.1 GB for 10M entries; default a new directory under
# $TMPDIR, removed at the end).
set -eu
BUILDDIR=$(cd "${1:-.}" && pwd)
SMALL=${SMALL:-1000}
LARGE=${LARGE:-10000000}
REQUESTS=${REQUESTS:-200000}
ROUNDS=${ROUNDS:-3}
POLICYD=$BUILDDIR/src/policyd/sendwarden-policyd
CLI=$BUILDDIR/src/cli/sendwarden
LOAD=$BUILDDIR/bench/policy-load
[ -x "$LOAD" ] || make -C "$BUILDDIR" bench/policy-load >/dev/null
for p in "$POLICYD" "$CLI" "$LOAD"; do [ -x "$p" ] || { echo "suppress-rcpt-bench: build $p first" >&2; exit 1; }; done

W=${DIR:-$(mktemp -d "${TMPDIR:-/tmp}/sw-rcpt-bench.XXXXXX")}
PID=""
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; [ -z "${DIR:-}" ] && rm -rf "$W"; }
trap cleanup EXIT

# one size: fill, start policyd, measure ROUNDS times; prints "p50 p99" (median p99)
measure() {
    local n=$1 state=$W/state-$1 sock=$W/p-$1.sock t0 t1 r p99s=() p50s=()
    rm -rf "$state"; mkdir -p "$state" "$W/policy"
    : >"$W/policy/limits"; : >"$W/policy/orgs"
    printf '[global]\npolicy_dir = %s/policy\n[store]\nstate_dir = %s\ndata_max_size = 8g\n[policyd]\nlisten = unix:%s\nsocket_mode = 0600\n' \
        "$W" "$state" "$sock" >"$W/c-$n.conf"
    # the listed recipients: rcpt0..rcpt(n-1)@destK.example, as policy-load names them
    awk -v n="$n" 'BEGIN { print "address,org,reason,created,expires,source";
        for (i = 0; i < n; i++) printf "rcpt%d@dest%d.example,,hard-bounce,1795500000,0,bench\n", i, i % 97 }' >"$W/list.csv"
    t0=$(date +%s.%N)
    "$CLI" -c "$W/c-$n.conf" suppress import "$W/list.csv" >/dev/null 2>&1
    t1=$(date +%s.%N)
    rm -f "$W/list.csv"
    echo "  $n entries imported in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s" >&2
    "$POLICYD" -c "$W/c-$n.conf" --foreground >"$W/policyd-$n.log" 2>&1 &
    PID=$!
    for _ in $(seq 1 100); do [ -S "$sock" ] && break; sleep 0.1; done
    [ -S "$sock" ] || { echo "suppress-rcpt-bench: policyd did not start" >&2; cat "$W/policyd-$n.log" >&2; exit 1; }
    for r in $(seq 1 "$ROUNDS"); do
        # recipients 0..2n-1: half listed; warm-up covers the page cache
        out=$("$LOAD" -q --mode rcpt --conc 1 --requests "$REQUESTS" --warmup 20000 --rcpts $((2 * n)) \
              --time 300 "unix:$sock" 2>/dev/null | grep '^RESULT')
        p50s+=("$(sed -n 's/.* p50_us=\([0-9.]*\).*/\1/p' <<<"$out")")
        p99s+=("$(sed -n 's/.* p99_us=\([0-9.]*\).*/\1/p' <<<"$out")")
        echo "  $n entries, round $r: $(sed 's/^RESULT //' <<<"$out" | cut -d' ' -f3-9) $(grep -o 'actions=.*' <<<"$out")" >&2
    done
    kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
    rm -rf "$state"
    echo "$(printf '%s\n' "${p50s[@]}" | sort -g | sed -n "$(( (ROUNDS + 1) / 2 ))p") $(printf '%s\n' "${p99s[@]}" | sort -g | sed -n "$(( (ROUNDS + 1) / 2 ))p")"
}

echo "suppress-rcpt-bench: $REQUESTS RCPT requests per round, $ROUNDS rounds, one connection, $(nproc) CPUs"
read -r s50 s99 < <(measure "$SMALL")
read -r l50 l99 < <(measure "$LARGE")
echo "RCPT via policyd, $SMALL entries:  p50 ${s50} us  p99 ${s99} us (median of rounds)"
echo "RCPT via policyd, $LARGE entries: p50 ${l50} us  p99 ${l99} us (median of rounds)"
ratio=$(awk -v a="$l99" -v b="$s99" 'BEGIN { printf "%.2f", a / b }')
verdict=$(awk -v a="$l99" -v b="$s99" 'BEGIN { print (a <= 1.5 * b) ? 1 : 0 }')
echo "p99 ratio large/small: ${ratio}x (target <= 1.5x): $([ "$verdict" = 1 ] && echo MET || echo MISSED)"
