#!/bin/bash
# policy-bench.sh — sendwarden's policy benchmark, run by `make bench`.
#
# Owns: starting the peers on loopback (bench/policy-dunno = protocol floor,
# sendwarden-policyd with realistic limits that do not fire, postfwd2 with the
# equivalent per-user rate limit), driving each with bench/policy-load on
# identical load at several concurrencies, measuring server CPU and memory
# from /proc, the 1M-user prefill, the exactness check, and the final table of
# figures against the targets. It builds nothing: `make bench` builds the
# programs first.
#
# usage: bench/policy-bench.sh BUILDDIR
# env:   REPS=3          repetitions of every throughput run (median is reported)
#        CONCS="1 8 64"  concurrencies
#        N_FAST=30000    requests per run for policy-dunno and policyd
#        N_POSTFWD=2000  requests per run for postfwd2 (Perl, ~1k req/s)
#        PREFILL_USERS=1000000
#        TLIMIT=60       wall-clock limit (s) of each load run
#        PREFILL_TLIMIT=180
#        OUT=BUILDDIR/bench/results   where results.tsv, table.md and logs go
#        KEEP=1          keep the scratch directory (/tmp/sw-bench.*)
# Exit status: 0 when everything ran (targets missed or not: the table says),
# 1 when something failed to run (a server did not start or crashed, a load
# run had errors, ...), 2 usage.
set -u

BUILD=${1:-}
[ -n "$BUILD" ] && [ -d "$BUILD" ] || { echo "usage: $0 BUILDDIR" >&2; exit 2; }
BUILD=$(cd "$BUILD" && pwd)
LOAD=$BUILD/bench/policy-load
DUNNO=$BUILD/bench/policy-dunno
POLICYD=$BUILD/src/policyd/sendwarden-policyd
REPS=${REPS:-3}
CONCS=${CONCS:-"1 8 64"}
N_FAST=${N_FAST:-30000}
N_POSTFWD=${N_POSTFWD:-2000}
PREFILL_USERS=${PREFILL_USERS:-1000000}
TLIMIT=${TLIMIT:-60}
PREFILL_TLIMIT=${PREFILL_TLIMIT:-180}
if [ "$PREFILL_USERS" = 1000000 ]; then PF_LABEL=1M; else PF_LABEL=$PREFILL_USERS; fi
WARM=2                      # untimed requests per connection before each run
OUT=${OUT:-$BUILD/bench/results}

for f in "$LOAD" "$DUNNO" "$POLICYD"; do
    [ -x "$f" ] || { echo "policy-bench: $f is missing (run 'make bench')" >&2; exit 1; }
done
command -v postfwd2 >/dev/null || { echo "policy-bench: postfwd2 missing (apt-get install postfwd)" >&2; exit 1; }

W=$(mktemp -d /tmp/sw-bench.XXXXXX) || exit 1
chmod 755 "$W"              # postfwd2 runs as nobody
mkdir -p "$OUT"
RES=$OUT/results.tsv
printf 'target\tconc\trep\trps\tp50_us\tp99_us\tmax_us\tok\terrors\tcpu_us_per_req\tretries\tactions\n' > "$RES"
FAILED=0
fail() { echo "policy-bench: FAILED: $*" >&2; echo "$*" >> "$W/failures"; FAILED=1; }
log() { echo "policy-bench: $*" >&2; }

# ---------------------------------------------------------------- processes
# Every server we start is remembered by PID and stopped, with its whole
# process tree, by PID (never by name).
SERVERS=""
tree_pids() {  # PID and all its descendants
    ps -eo pid=,ppid= | awk -v root="$1" '
        { par[$1] = $2 }
        END { if (!(root in par)) exit; seen[root] = 1; print root
              do { more = 0
                   for (p in par) if (!(p in seen) && (par[p] in seen)) { seen[p] = 1; print p; more = 1 }
              } while (more) }'
}
stop_tree() {
    local pids p alive i
    pids=$(tree_pids "$1")
    [ -z "$pids" ] && return 0
    kill -TERM $pids 2>/dev/null
    for i in $(seq 1 30); do
        alive=""
        for p in $pids $(for q in $pids; do tree_pids "$q"; done); do
            kill -0 "$p" 2>/dev/null && alive="$alive $p"
        done
        [ -z "$alive" ] && return 0
        sleep 0.2
    done
    kill -KILL $alive 2>/dev/null
    return 0
}
cleanup() {
    local p
    for p in $SERVERS; do stop_tree "$p"; done
    SERVERS=""
    if [ -d "$W" ]; then
        rm -rf "$OUT/logs"; mkdir -p "$OUT/logs" && cp -r "$W"/*.log "$W"/postfwd/log "$W/runs" "$OUT/logs/" 2>/dev/null
        [ "${KEEP:-0}" = 1 ] && log "scratch directory kept: $W" || rm -rf "$W"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rss_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null; }  # PID RssAnon|RssFile|...

free_port() {
    local p i
    for i in $(seq 1 50); do
        p=$(( 20000 + RANDOM % 30000 ))
        ss -Htan "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return 0; }
    done
    return 1
}
wait_listen() {  # unix path or TCP port; up to $2 seconds; gives up early when PID $3 exits
    local i
    for i in $(seq 1 $(( ${2:-10} * 10 ))); do
        [ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null && return 1
        case "$1" in
            /*) [ -S "$1" ] && return 0 ;;
            *) ss -Hltn "sport = :$1" 2>/dev/null | grep -q LISTEN && return 0 ;;
        esac
        sleep 0.1
    done
    return 1
}

# ---------------------------------------------------------------- peers
P_DUNNO_TCP=$(free_port) && P_POLICYD=$(free_port) && P_POSTFWD=$(free_port) || { fail "no free port"; exit 1; }
while [ "$P_POLICYD" = "$P_DUNNO_TCP" ] || [ "$P_POSTFWD" = "$P_DUNNO_TCP" ] || [ "$P_POSTFWD" = "$P_POLICYD" ]; do
    P_POLICYD=$(free_port); P_POSTFWD=$(free_port)
done

"$DUNNO" --max-secs 900 "unix:$W/dunno.sock" 2>"$W/dunno-unix.log" &
PID_DUNNO_UNIX=$!; SERVERS="$SERVERS $PID_DUNNO_UNIX"
"$DUNNO" --max-secs 900 "127.0.0.1:$P_DUNNO_TCP" 2>"$W/dunno-tcp.log" &
PID_DUNNO_TCP=$!; SERVERS="$SERVERS $PID_DUNNO_TCP"
wait_listen "$W/dunno.sock" 10 "$PID_DUNNO_UNIX" && wait_listen "$P_DUNNO_TCP" 10 "$PID_DUNNO_TCP" || { fail "policy-dunno did not start"; exit 1; }

# sendwarden-policyd: realistic limits, none of which fires in the throughput
# runs (every run uses its own 1000 users over 50 orgs, 64 client addresses).
mkdir -p "$W/policy" "$W/state" "$W/runs"
cat > "$W/policy/limits" <<'EOF'
# scope selector metric rate burst action [reply text]
user   *  messages    1000/1h        1000        defer
user   *  recipients  5000/1h        5000        defer
user   *  bytes       1000000000/1d  1000000000  defer
org    *  messages    100000/1h      100000      defer
org    *  recipients  1000000/1h     1000000     defer
client *  messages    100000/1h      100000      defer
global *  messages    10000000/1h    10000000    defer
# exactness checks: burst 100, refill far slower than the check runs
user fire-mix@exact.example messages 100/1h 100 defer Exactness check limit reached
user fire-eom@exact.example messages 100/1h 100 defer
user fire-par@exact.example messages 100/1h 100 defer
EOF
{
    for i in $(seq 0 49); do echo "@org$i.example org$i"; done
    for i in $(seq 0 999); do echo "@porg$i.example porg$i"; done
} > "$W/policy/orgs"
cat > "$W/policyd.conf" <<EOF
[global]
policy_dir = $W/policy

[store]
state_dir = $W/state

[policyd]
listen = unix:$W/policyd.sock
listen = inet:127.0.0.1:$P_POLICYD
socket_mode = 0666
EOF
"$POLICYD" -c "$W/policyd.conf" --foreground 2>"$W/policyd.log" &
PID_POLICYD=$!; SERVERS="$SERVERS $PID_POLICYD"
if ! wait_listen "$W/policyd.sock" 20 "$PID_POLICYD" || ! wait_listen "$P_POLICYD" 10 "$PID_POLICYD"; then
    fail "sendwarden-policyd did not start; its log:"; tail -20 "$W/policyd.log" >&2; exit 1
fi

# postfwd2: the same per-user message limit (RCPT requests at 1 rcpt/message).
# It must run daemonized: --nodaemon disables its rate limits.
mkdir -p "$W/postfwd"; chown nobody:nogroup "$W/postfwd"
cat > "$W/postfwd/postfwd.cf" <<'EOF'
id=RL_USER ; protocol_state==RCPT ; sasl_username=~.+ ; action=rate(sasl_username/1000/3600/450 4.7.1 Rate limit exceeded: 1000 messages per hour)
id=DEFAULT ; action=dunno
EOF
# (never -L in daemon mode: log lines would go into the client socket)
# Its prefork pool is sized for the largest concurrency up front, as an admin
# would for Postfix's ~100 policy connections: with the defaults (10 children,
# 5..50 spare) some of 64 connections opened at once waited > 20 s for a child.
maxc=0; for c in $CONCS; do [ "$c" -gt "$maxc" ] && maxc=$c; done
postfwd2 --daemon --nodns -f "$W/postfwd/postfwd.cf" --server_socket="tcp:127.0.0.1:$P_POSTFWD" \
    --cache_proto=unix --cache_port="$W/postfwd/cache.sock" --pidfile="$W/postfwd/postfwd.pid" \
    --min_servers $((maxc + 8)) --max_servers $((maxc + 40)) --min_spare_servers 4 --max_spare_servers $((maxc + 8)) \
    -u nobody -g nogroup >"$W/postfwd/log" 2>&1
for _ in $(seq 1 50); do [ -s "$W/postfwd/postfwd.pid" ] && break; sleep 0.1; done
PID_POSTFWD=$(cat "$W/postfwd/postfwd.pid" 2>/dev/null)
[ -n "$PID_POSTFWD" ] && SERVERS="$SERVERS $PID_POSTFWD"
if [ -z "$PID_POSTFWD" ] || ! wait_listen "$P_POSTFWD" 10; then
    fail "postfwd2 did not start"; cat "$W/postfwd/log" >&2; exit 1
fi
for _ in $(seq 1 50); do     # let its prefork pool come up
    [ "$(tree_pids "$PID_POSTFWD" | wc -l)" -ge $((maxc + 8)) ] && break
    sleep 0.2
done
sleep 1

# ---------------------------------------------------------------- load runs
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }
RUNNO=0
LINE=""
# run_load LABEL SERVER_PID TARGET CONC REQUESTS REP [policy-load options (default: the standard load)]
run_load() {
    local label=$1 spid=$2 tgt=$3 c=$4 n=$5 rep=$6
    shift 6
    local rc ok err cpu
    RUNNO=$((RUNNO + 1))
    # default load: every run gets its own 1000 users, so per-user limits never fire
    [ $# -eq 0 ] && set -- --users 1000 --orgs 50 --clients 64 --user-fmt "r${RUNNO}u{u}@org{o}.example"
    # policy-load reads the server tree's CPU from /proc around the timed phase
    local errlog="$W/runs/$RUNNO-$label-c$c-r$rep.txt"
    LINE=$(timeout -k 5 $((TLIMIT + 30)) "$LOAD" -c "$c" -n "$n" -w "$WARM" -T "$TLIMIT" --timeout-ms 20000 \
        --server-pid "$spid" "$@" "$tgt" 2>"$errlog")
    rc=$?
    if [ -z "$LINE" ]; then
        fail "$label c=$c: policy-load exited $rc without a RESULT line"
        LINE="RESULT conc=$c sent=0 ok=0 errors=1 secs=0 rps=0 p50_us=0 p99_us=0 max_us=0 cpu_us_per_req=0 timed_out=1 actions=none"
    fi
    ok=$(field "$LINE" ok); err=$(field "$LINE" errors)
    cpu=$(field "$LINE" cpu_us_per_req)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$c" "$rep" "$(field "$LINE" rps)" \
        "$(field "$LINE" p50_us)" "$(field "$LINE" p99_us)" "$(field "$LINE" max_us)" "$ok" "$err" "$cpu" \
        "$(field "$LINE" retries)" "$(field "$LINE" actions)" >> "$RES"
    log "$(printf '%-16s c=%-3s rep %s: %8s req/s  p50 %6s us  p99 %6s us  cpu %7s us/req  errors %s  %s' \
        "$label" "$c" "$rep" "$(field "$LINE" rps)" "$(field "$LINE" p50_us)" "$(field "$LINE" p99_us)" \
        "$cpu" "$err" "$(field "$LINE" actions)")"
    [ "$err" = 0 ] || fail "$label c=$c rep $rep: $err errors ($(sed -n 's/^first error *//p' "$errlog"))"
    [ "$(field "$LINE" retries)" = 0 ] || log "$label c=$c rep $rep: $(grep '^first retry' "$errlog")"
    [ "$(field "$LINE" timed_out)" = 1 ] && fail "$label c=$c rep $rep: stopped by the ${TLIMIT}s time limit"
    kill -0 "$spid" 2>/dev/null || { fail "$label: the server (pid $spid) is gone"; exit 1; }
    return 0
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "work dir $W; policyd pid $PID_POLICYD, postfwd2 pid $PID_POSTFWD ($(tree_pids "$PID_POSTFWD" | wc -l) processes); $REPS reps of c=$CONCS"
for rep in $(seq 1 "$REPS"); do
    for c in $CONCS; do
        run_load dunno-unix   "$PID_DUNNO_UNIX" "unix:$W/dunno.sock"    "$c" "$N_FAST" "$rep"
        run_load policyd-unix "$PID_POLICYD"    "unix:$W/policyd.sock"  "$c" "$N_FAST" "$rep"
        run_load dunno-tcp    "$PID_DUNNO_TCP"  "127.0.0.1:$P_DUNNO_TCP" "$c" "$N_FAST" "$rep"
        run_load policyd-tcp  "$PID_POLICYD"    "127.0.0.1:$P_POLICYD"  "$c" "$N_FAST" "$rep"
        run_load postfwd-tcp  "$PID_POSTFWD"    "127.0.0.1:$P_POSTFWD"  "$c" "$N_POSTFWD" "$rep"
    done
done

# ---------------------------------------------------------------- (e) exactness
# One user with burst 100 (refill 1 per 36 s) gets 300 messages: exactly 100 pass.
EXACT_DETAIL=""; EXACT_OK=1
exact() {  # label user mode conc
    local line passed msgs err
    line=$(timeout -k 5 $((TLIMIT + 30)) "$LOAD" -q -c "$4" -m 300 -n 600 -T "$TLIMIT" --users 1 \
        --user-fmt "$2" --mode "$3" "unix:$W/policyd.sock")
    passed=$(field "$line" msgs_passed); msgs=$(field "$line" msgs); err=$(field "$line" errors)
    log "exactness $1: $line"
    EXACT_DETAIL="$EXACT_DETAIL${EXACT_DETAIL:+; }$1 ${passed:-?}/${msgs:-?}"
    [ -n "$line" ] && [ "$err" = 0 ] || { fail "exactness $1 run failed: ${line:-no RESULT}"; EXACT_OK=0; return; }
    [ "$passed" = 100 ] && [ "$msgs" = 300 ] || EXACT_OK=0
}
exact "RCPT+EOM c=1" fire-mix@exact.example mix 1
exact "EOM-only c=1" fire-eom@exact.example eom 1
exact "EOM-only c=8" fire-par@exact.example eom 8
# (info) postfwd2's limit really counts (daemonized): one user, 1100 RCPTs, limit 1000
PFW_LINE=$(timeout -k 5 $((TLIMIT + 30)) "$LOAD" -q -c 1 -m 1100 -n 1100 -T "$TLIMIT" --users 1 \
    --user-fmt fire-pf@exact.example --mode rcpt "127.0.0.1:$P_POSTFWD")
log "postfwd2 limit check: $PFW_LINE"
PFW_CHECK="$(field "$PFW_LINE" msgs_passed) of $(field "$PFW_LINE" msgs) passed"

# ---------------------------------------------------------------- (d) 1M users
RSS_BEFORE=$(rss_kb "$PID_POLICYD" RssAnon)
log "prefill: $PREFILL_USERS distinct users (RCPT requests, c=64); RssAnon before: ${RSS_BEFORE} kB"
PF_T0=$(date +%s.%N)
PF_LINE=$(timeout -k 5 $((PREFILL_TLIMIT + 30)) "$LOAD" -q -c 64 -n "$PREFILL_USERS" -T "$PREFILL_TLIMIT" \
    --users "$PREFILL_USERS" --orgs 1000 --clients 64 --user-fmt 'p{u}@porg{o}.example' --mode rcpt \
    "unix:$W/policyd.sock")
PF_SECS=$(awk -v a="$PF_T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
log "prefill: ${PF_LINE:-no RESULT line} (${PF_SECS}s)"
PF_OK=$(field "$PF_LINE" ok); PF_OK=${PF_OK:-0}
[ "$(field "$PF_LINE" errors)" = 0 ] || fail "prefill: errors (${PF_LINE:-no RESULT line})"
[ "$PF_OK" -ge "$PREFILL_USERS" ] || fail "prefill: only $PF_OK of $PREFILL_USERS users within ${PREFILL_TLIMIT}s"
kill -0 "$PID_POLICYD" 2>/dev/null || { fail "sendwarden-policyd died during the prefill"; tail -20 "$W/policyd.log" >&2; exit 1; }
sleep 1
RSS_AFTER=$(rss_kb "$PID_POLICYD" RssAnon)
RSS_FILE=$(rss_kb "$PID_POLICYD" RssFile)
STATE_KB=$(du -sk "$W/state" | cut -f1)
log "after prefill: RssAnon $RSS_AFTER kB, RssFile $RSS_FILE kB; state_dir on disk: $STATE_KB kB"
for rep in $(seq 1 "$REPS"); do
    run_load dunno-unix-1M   "$PID_DUNNO_UNIX" "unix:$W/dunno.sock"   8 "$N_FAST" "$rep"
    run_load policyd-unix-1M "$PID_POLICYD"    "unix:$W/policyd.sock" 8 "$N_FAST" "$rep"
done
# (info) the same load spread at random over the prefilled users themselves
run_load policyd-unix-1Mhit "$PID_POLICYD" "unix:$W/policyd.sock" 8 "$N_FAST" 1 \
    --users "$PREFILL_USERS" --orgs 1000 --clients 64 --user-fmt 'p{u}@porg{o}.example' --random
RSS_END=$(rss_kb "$PID_POLICYD" RssAnon)

# ---------------------------------------------------------------- table
med() {  # median of column $3 for target $1 at conc $2
    awk -F'\t' -v t="$1" -v c="$2" -v col="$3" '
        NR == 1 { for (i = 1; i <= NF; i++) idx[$i] = i; next }
        $1 == t && $2 == c { v[n++] = $idx[col] }
        END { if (!n) { print "-"; exit }
              for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (v[j] + 0 < v[i] + 0) { x = v[i]; v[i] = v[j]; v[j] = x }
              print (n % 2) ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2 }' "$RES"
}
cpu_all() {  # CPU per request over every run of target $1 (request-weighted)
    awk -F'\t' -v t="$1" 'NR > 1 && $1 == t { s += $10 * $8; n += $8 } END { if (n) printf "%.1f", s / n; else print "-" }' "$RES"
}
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
yes_no() { awk "BEGIN { exit !($1) }" && echo met || echo "**not met**"; }
ints() { awk -v x="$1" 'BEGIN { printf "%.0f", x }'; }
# Ratios of two targets are taken run by run (NUM and DEN of the same rep ran
# back to back, under the same background load), then the median of those.
pratio() {  # NUM DEN CONC FORMAT
    awk -F'\t' -v a="$1" -v b="$2" -v c="$3" -v f="$4" '
        NR > 1 && $2 == c && $1 == a { x[$3] = $4 }
        NR > 1 && $2 == c && $1 == b { y[$3] = $4 }
        END { for (r in x) if ((r in y) && y[r] > 0) v[n++] = x[r] / y[r]
              if (!n) { printf f, 0; exit }
              for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
              printf f, (n % 2) ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2 }' "$RES"
}
ratio() {  # A B FORMAT: A/B, or 0 when either is missing
    awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN { if (b + 0 > 0 && a != "-") printf f, a / b; else printf f, 0 }'
}

TABLE=$OUT/table.md
{
    echo "## sendwarden policy benchmark ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, median of $REPS runs)"
    echo
    echo "Machine load average at the start: $LOAD_START, at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine makes every figure noisier)."
    echo
    echo "Load: policy-load, one persistent connection per thread, each message = RCPT + END-OF-MESSAGE"
    echo "request (Postfix 3.7 attributes), 1000 fresh users over 50 orgs per run; $N_FAST requests per run"
    echo "($N_POSTFWD for postfwd2). CPU = server process tree utime+stime (/proc) over the timed phase, per request."
    echo
    echo "| target | conc | req/s | p50 µs | p99 µs | server CPU µs/req |"
    echo "|---|---:|---:|---:|---:|---:|"
    for t in dunno-unix policyd-unix dunno-tcp policyd-tcp postfwd-tcp; do
        for c in $CONCS; do
            echo "| $t | $c | $(ints "$(med $t "$c" rps)") | $(med $t "$c" p50_us) | $(med $t "$c" p99_us) | $(med $t "$c" cpu_us_per_req) |"
        done
    done
    echo "| dunno-unix (same time as the next row) | 8 | $(ints "$(med dunno-unix-1M 8 rps)") | $(med dunno-unix-1M 8 p50_us) | $(med dunno-unix-1M 8 p99_us) | $(med dunno-unix-1M 8 cpu_us_per_req) |"
    echo "| policyd-unix after $PF_LABEL users | 8 | $(ints "$(med policyd-unix-1M 8 rps)") | $(med policyd-unix-1M 8 p50_us) | $(med policyd-unix-1M 8 p99_us) | $(med policyd-unix-1M 8 cpu_us_per_req) |"
    echo "| policyd-unix, random over the $PF_LABEL users | 8 | $(ints "$(med policyd-unix-1Mhit 8 rps)") | $(med policyd-unix-1Mhit 8 p50_us) | $(med policyd-unix-1Mhit 8 p99_us) | $(med policyd-unix-1Mhit 8 cpu_us_per_req) |"
    echo
    hdr="| ratio (median of per-rep ratios) |"; sep="|---|"
    for c in $CONCS; do hdr="$hdr c=$c |"; sep="$sep---:|"; done
    echo "$hdr"; echo "$sep"
    row() {  # name num den
        local out="| $1 |" c
        for c in $CONCS; do
            out="$out $(pratio "$2" "$3" "$c" %.2f) |"
        done
        echo "$out"
    }
    row "policyd / floor, unix socket" policyd-unix dunno-unix
    row "policyd / floor, TCP" policyd-tcp dunno-tcp
    row "policyd / postfwd2, TCP" policyd-tcp postfwd-tcp
    row "policyd (unix socket) / postfwd2 (TCP)" policyd-unix postfwd-tcp
    echo
    # --- targets
    F8=$(pratio policyd-unix dunno-unix 8 %.2f)
    F64=$(pratio policyd-unix dunno-unix 64 %.2f)
    PFMIN=""; PFDETAIL=""
    for c in $CONCS; do
        r=$(pratio policyd-tcp postfwd-tcp "$c" %.1f)
        PFDETAIL="$PFDETAIL${PFDETAIL:+ / }$r"
        PFMIN=$(awk -v m="${PFMIN:-1e18}" -v r="$r" 'BEGIN { print (r < m) ? r : m }')
    done
    # The issue states the postfwd targets for policyd over a unix socket
    # (postfwd2 only listens on TCP); TCP against TCP is shown too, stricter.
    PFUMIN=""; PFUDETAIL=""
    for c in $CONCS; do
        r=$(pratio policyd-unix postfwd-tcp "$c" %.1f)
        PFUDETAIL="$PFUDETAIL${PFUDETAIL:+ / }$r"
        PFUMIN=$(awk -v m="${PFUMIN:-1e18}" -v r="$r" 'BEGIN { print (r < m) ? r : m }')
    done
    CPU_PD=$(cpu_all policyd-tcp); CPU_PF=$(cpu_all postfwd-tcp); CPU_PDU=$(cpu_all policyd-unix)
    CPU_R=$(ratio "$CPU_PF" "$CPU_PD" %.1f)
    CPU_RU=$(ratio "$CPU_PF" "$CPU_PDU" %.1f)
    P99=$(med policyd-unix 8 p99_us)
    PRE=$(med policyd-unix 8 rps); POST=$(med policyd-unix-1M 8 rps)
    DROP_RAW=$(awk -v a="$PRE" -v b="$POST" 'BEGIN { printf "%.1f", (a + 0 > 0) ? 100 * (a - b) / a : 100 }')
    # judged on policyd/floor before and after, which cancels most background load
    DROP=$(awk -v a="$(pratio policyd-unix dunno-unix 8 %.4f)" -v b="$(pratio policyd-unix-1M dunno-unix-1M 8 %.4f)" \
        'BEGIN { printf "%.1f", (a + 0 > 0) ? 100 * (a - b) / a : 100 }')
    RSS_MB=$(awk -v k="${RSS_AFTER:-0}" 'BEGIN { printf "%.1f", k / 1024 }')
    echo "| target | measured | |"
    echo "|---|---|---|"
    echo "| policyd/floor throughput >= 0.5 at c=8 (unix socket) | $F8 | $(yes_no "$F8 >= 0.5") |"
    echo "| policyd/floor throughput >= 0.5 at c=64 (unix socket) | $F64 | $(yes_no "$F64 >= 0.5") |"
    echo "| policyd (unix socket) >= 20x postfwd2 throughput (c=$(echo $CONCS | tr ' ' /)) | ${PFUDETAIL}x | $(yes_no "$PFUMIN >= 20") |"
    echo "| server CPU per request <= 1/40 of postfwd2's (policyd on a unix socket, all runs) | policyd $CPU_PDU µs, postfwd2 $CPU_PF µs: 1/$CPU_RU | $(yes_no "$CPU_RU >= 40") |"
    echo "| stricter, TCP against TCP: policyd >= 20x postfwd2 (c=$(echo $CONCS | tr ' ' /)) | ${PFDETAIL}x | $(yes_no "$PFMIN >= 20") |"
    echo "| stricter, TCP against TCP: CPU per request <= 1/40 | policyd $CPU_PD µs, postfwd2 $CPU_PF µs: 1/$CPU_R | $(yes_no "$CPU_R >= 40") |"
    echo "| p99 < 1 ms at c=8 (unix socket) | $P99 µs | $(yes_no "${P99:-999999} < 1000") |"
    echo "| $PF_LABEL users: throughput drop <= 20% (c=8, unix; policyd/floor before vs after) | ${DROP}% (raw medians $(ints "$PRE") -> $(ints "$POST") req/s: ${DROP_RAW}%) | $(yes_no "$DROP <= 20 && $PF_OK >= $PREFILL_USERS") |"
    echo "| $PF_LABEL users: RssAnon < 64 MB | $RSS_MB MB (before prefill $(calc %.1f "${RSS_BEFORE:-0}/1024") MB, at the end $(calc %.1f "${RSS_END:-0}/1024") MB; RssFile $(calc %.0f "${RSS_FILE:-0}/1024") MB; state_dir $(calc %.0f "${STATE_KB:-0}/1024") MB on disk) | $(yes_no "${RSS_AFTER:-999999999} < 65536 && $PF_OK >= $PREFILL_USERS") |"
    echo "| exactness: burst 100 -> exactly 100 of 300 pass | $EXACT_DETAIL | $([ "$EXACT_OK" = 1 ] && echo PASS || echo "**FAIL**") |"
    echo
    echo "Prefill: $PF_OK distinct users in ${PF_SECS}s ($(field "$PF_LINE" rps) req/s)."
    echo "postfwd2 limit check (one user, 1100 RCPTs, limit 1000/h): $PFW_CHECK."
    awk -F'\t' 'NR > 1 && $11 > 0 { r[$1] += $11 } END { for (t in r) printf "%s%s %d", (n++ ? ", " : ""), t, r[t]; if (n) print "" }' "$RES" |
        sed 's/^/Requests resent once after the server dropped a used connection (as Postfix does): /'

    if [ -s "$W/failures" ]; then
        echo
        echo "Failures while running:"
        sed 's/^/- /' "$W/failures"
    fi
} > "$TABLE"
echo
cat "$TABLE"
echo
log "results: $RES, $TABLE"
exit "$FAILED"
