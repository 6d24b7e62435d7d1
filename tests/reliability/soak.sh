#!/bin/bash
# soak.sh — a bounded soak of sendwarden-policyd and sendwarden-milter behind
# a real Postfix (issue 6 §3).
#
# usage: tests/reliability/soak.sh [BUILDDIR]           (default ".")
# env:   SOAK_SECONDS   duration of the load (default 120; the session notes
#                       report a 1800 s run)
#        SOAK_EVERY     seconds per line of the table (default SOAK_SECONDS/6)
#        SOAK_SESSIONS  concurrent SMTP sessions of the steady mail (4)
#        SOAK_PAUSE     seconds between a session's messages (0.05)
#        SOAK_IDLE      idle policy connections held open (1000)
#        SOAK_SLOW      slow policy clients trickling a byte a second (5)
#
# A private Postfix on loopback (tests/e2e/lib.sh) asks policyd at RCPT and
# END-OF-DATA, runs the milter (DKIM signing of the authenticated senders)
# and relays to smtp-sink. For SOAK_SECONDS:
#   - steady mail: tests/e2e/smtp_load.py, every reply counted, p50/p99 per
#     interval;
#   - SOAK_IDLE idle connections to policyd (tests/e2e/policy_clients.py),
#     a few asked a request every 5 s, reopened when policyd's idle_timeout
#     closes them; SOAK_SLOW clients trickling a request byte by byte until
#     request_timeout closes them;
#   - every SOAK_EVERY s: RssAnon (heap and stacks), RSS (also the touched
#     pages of the LMDB files) and open descriptors of policyd and the milter.
# Checked: no message refused or failed (no limit is configured to bite),
# every accepted message delivered and signed, the idle connections answer,
# the slow clients were closed by policyd, both daemons still run, and at
# the end RssAnon grew by at most RSS_BOUND_KB over the first sample (after
# the warm-up; not judged in a sanitizer build) and descriptors by at most
# FD_BOUND (the table shows both).
#
# Exit: 0 all passed, 1 a failure, 77 skipped (no Postfix, or not root).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
BUILDDIR=${1:-.}
. "$HERE/../e2e/lib.sh"

SOAK_SECONDS=${SOAK_SECONDS:-120}
SOAK_EVERY=${SOAK_EVERY:-$(( SOAK_SECONDS / 6 > 0 ? SOAK_SECONDS / 6 : 1 ))}
SOAK_SESSIONS=${SOAK_SESSIONS:-4}
SOAK_PAUSE=${SOAK_PAUSE:-0.05}
SOAK_IDLE=${SOAK_IDLE:-1000}
SOAK_SLOW=${SOAK_SLOW:-5}
RSS_BOUND_KB=${RSS_BOUND_KB:-16384}
FD_BOUND=${FD_BOUND:-16}
WARMUP=${WARMUP:-10}

ulimit -n 8192 2>/dev/null || ulimit -n 4096 2>/dev/null
e2e_stack_setup soak
sanitizer=0
grep -qa __asan_init "$POLICYD" && sanitizer=1
echo "# $SOAK_SECONDS s: $SOAK_SESSIONS SMTP sessions (pause ${SOAK_PAUSE}s), $SOAK_IDLE idle and $SOAK_SLOW slow policy clients"

# ------------------------------------------------------------------ sendwarden
echo '@soak.example soak' > "$T/policy/orgs"
# a limit that is asked on every message but never bites
echo 'org soak messages 100000000/1h 100000000 defer' > "$T/policy/limits"
write_stack_conf "$T/sendwarden.conf" <<EOF
request_timeout = 5s
idle_timeout = 60s
EOF
add_signing_key soak.example soak

start_policyd "$POLICYD" "$T/sendwarden.conf" "$SOCK"
start_milter "$MILTER" "$T/sendwarden.conf" "$MILTER_PORT" 1
start_sink "$SINK_PORT"
start_postfix_stack "$SMTP_PORT" "$SINK_PORT" "$MILTER_PORT"

# ------------------------------------------------------------------ the load
# RssAnon: the heap and stacks (a leak shows there); RSS also counts the
# pages of the LMDB files that were touched, which grow with the data
rss_kb() { awk '/^RssAnon:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
vmrss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
fds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
sample() {  # sample T: one row of the resource table
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$(rss_kb "$POLICYD_PID")" "$(vmrss_kb "$POLICYD_PID")" "$(fds "$POLICYD_PID")" \
        "$(rss_kb "$MILTER_PID")" "$(vmrss_kb "$MILTER_PID")" "$(fds "$MILTER_PID")" >> "$T/resources.tsv"
}
printf 't_s\tpolicyd_anon_kb\tpolicyd_rss_kb\tpolicyd_fds\tmilter_anon_kb\tmilter_rss_kb\tmilter_fds\n' > "$T/resources.tsv"
sample 0

"$PY" "$HERE/../e2e/policy_clients.py" --socket "$SOCK" --idle "$SOAK_IDLE" --slow "$SOAK_SLOW" \
    --duration $((SOAK_SECONDS + WARMUP + 3)) >"$T/clients.out" 2>"$T/clients.err" &
CLIENTS_PID=$!
track_pid "$CLIENTS_PID"
"$PY" "$HERE/../e2e/smtp_load.py" --port "$SMTP_PORT" --users alice@soak.example,bob@soak.example,carol@soak.example \
    --sessions "$SOAK_SESSIONS" --per-session 20 --pause "$SOAK_PAUSE" --duration $((SOAK_SECONDS + WARMUP)) \
    --every "$SOAK_EVERY" --tag s --out "$T/s.lines" >"$T/s.summary" 2>"$T/s.err" &
LOAD_PID=$!
track_pid "$LOAD_PID"
start=$SECONDS
sleep "$WARMUP"
sample "$WARMUP"
zero_fds_p=$(sed -n 2p "$T/resources.tsv" | cut -f 4) zero_fds_m=$(sed -n 2p "$T/resources.tsv" | cut -f 7)
first_rss_p=$(rss_kb "$POLICYD_PID") first_fds_p=$(fds "$POLICYD_PID")
first_rss_m=$(rss_kb "$MILTER_PID") first_fds_m=$(fds "$MILTER_PID")
for ((t = WARMUP + SOAK_EVERY; t <= SOAK_SECONDS + WARMUP; t += SOAK_EVERY)); do
    # by the clock: the samples do not drift behind the load
    while [ $((SECONDS - start)) -lt "$t" ]; do sleep 0.5; done
    sample "$t"
done
# the last sample with every client still connected
last_rss_p=$(rss_kb "$POLICYD_PID") last_fds_p=$(fds "$POLICYD_PID")
last_rss_m=$(rss_kb "$MILTER_PID") last_fds_m=$(fds "$MILTER_PID")
wait "$LOAD_PID"
wait "$CLIENTS_PID"
sleep 1
sample gone
gone_fds_p=$(fds "$POLICYD_PID") gone_fds_m=$(fds "$MILTER_PID")

# ------------------------------------------------------------------ the figures
echo "# mail per interval (smtp_load.py --every $SOAK_EVERY):"
grep '^interval' "$T/s.summary" | sed 's/^/#   /'
echo "# resources (the idle connections are held from +0 s; 'gone': after every client left):"
column -t < "$T/resources.tsv" | sed 's/^/#   /'
echo "# mail: $(tail -n 1 "$T/s.summary")"
echo "# policy clients: $(tail -n 1 "$T/clients.out")"
alive "$POLICYD_PID" && alive "$MILTER_PID"; both_alive=$?
stop_pid "$POLICYD_PID" 10; stop_pid "$MILTER_PID" 10
echo "# policyd: $(grep -o 'statistics: .*' "$T/policyd.log" | tail -n 1 | cut -c 1-250)"
echo "# milter: $(grep -o 'statistics: .*' "$T/milter.log" | tail -n 1 | cut -c 1-250)"

# ------------------------------------------------------------------ checks
jfield() { "$PY" -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])[sys.argv[2]])' "$1" "$2"; }
accepted=$(jfield "$T/s.summary" accepted) messages=$(jfield "$T/s.summary" messages)
bad=$(( $(jfield "$T/s.summary" limited) + $(jfield "$T/s.summary" tempfail) + $(jfield "$T/s.summary" rejected) + $(jfield "$T/s.summary" session_errors) ))
if [ "$accepted" -gt 0 ] && [ "$bad" = 0 ]; then
    ok "steady mail: $accepted messages accepted in $SOAK_SECONDS s (+${WARMUP} s warm-up), none refused, no session error (p99 $(jfield "$T/s.summary" p99_ms) ms)"
else
    fail "steady mail: $accepted accepted of $messages, $bad refused or failed ($(awk -F '\t' '$5 != "250"' "$T/s.lines" | head -n 3 | tr '\n' '|'))"
fi
at_sink=0
for ((i = 0; i < 60; i++)); do
    at_sink=$(ls "$T/sink" | wc -l)
    [ "$at_sink" -ge "$accepted" ] && break
    postqueue -c "$CONF" -f >/dev/null 2>&1; sleep 1
done
unsigned=$(grep -L '^DKIM-Signature:' "$T"/sink/msg.* 2>/dev/null | wc -l)
if [ "$at_sink" = "$accepted" ] && [ "$unsigned" = 0 ]; then
    ok "all $accepted accepted messages delivered, every one signed"
else
    fail "$at_sink messages at the sink of $accepted accepted, $unsigned unsigned"
fi
pings_ok=$(jfield "$T/clients.out" pings_ok) pings_failed=$(jfield "$T/clients.out" pings_failed)
idle_open=$(jfield "$T/clients.out" idle_open) slow_closed=$(jfield "$T/clients.out" slow_closed_by_server)
if [ "$pings_ok" -gt 0 ] && [ "$pings_failed" = 0 ] && [ "$idle_open" -ge $((SOAK_IDLE * 9 / 10)) ]; then
    ok "$SOAK_IDLE idle policy connections: $pings_ok requests on them answered, none failed, $idle_open open at the end"
else
    fail "idle policy connections: pings ok $pings_ok failed $pings_failed, open at the end $idle_open of $SOAK_IDLE"
fi
if [ "$SOAK_SLOW" = 0 ] || [ "$slow_closed" -gt 0 ]; then
    ok "slow policy clients: $slow_closed closed by policyd's request_timeout, the rest served meanwhile"
else
    fail "slow policy clients: none closed by policyd ($(tail -n 1 "$T/clients.out"))"
fi
if [ "$both_alive" = 0 ] && grep -q 'statistics: ' "$T/policyd.log" && grep -q 'statistics: ' "$T/milter.log"; then
    ok "policyd and the milter ran to the end and stopped cleanly on SIGTERM"
else
    fail "a daemon died or did not stop cleanly (statistics lines: $(grep -c 'statistics: ' "$T/policyd.log" "$T/milter.log" | tr '\n' ' '))"
fi
grow_ok() {  # grow_ok FIRST LAST BOUND
    [ "$2" -le $(( $1 + $3 )) ]
}
for d in policyd milter; do
    if [ $d = policyd ]; then
        a=$first_rss_p b=$last_rss_p fa=$first_fds_p fb=$last_fds_p f0=$zero_fds_p fg=$gone_fds_p
    else
        a=$first_rss_m b=$last_rss_m fa=$first_fds_m fb=$last_fds_m f0=$zero_fds_m fg=$gone_fds_m
    fi
    bounds="+$RSS_BOUND_KB kB, +$FD_BOUND"
    [ $sanitizer = 1 ] && bounds="RssAnon not judged, +$FD_BOUND"
    what="RssAnon $a -> $b kB, descriptors $fa -> $fb under load, $f0 before the clients and $fg after they left (bounds: $bounds)"
    # ASan keeps freed memory in quarantine (256 MB by default) and its own
    # shadow: there the heap grows by design, descriptors are still judged.
    mem_ok=1
    if [ $sanitizer = 0 ] && ! grow_ok "$a" "$b" "$RSS_BOUND_KB"; then
        mem_ok=0
    fi
    if [ $mem_ok = 1 ] && grow_ok "$fa" "$fb" "$FD_BOUND" && grow_ok "$f0" "$fg" "$FD_BOUND"; then
        ok "$d: $what"
    else
        fail "$d grew: $what"
    fi
done
if ! grep -Eq ': (error|warning|fatal):|internal error' "$T/milter.log"; then
    ok "the milter logged no error or warning"
else
    fail "the milter logged: $(grep -E ': (error|warning|fatal):|internal error' "$T/milter.log" | head -n 3 | tr '\n' '|')"
fi
finish
