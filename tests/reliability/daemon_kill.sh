#!/bin/bash
# daemon_kill.sh — sendwarden-policyd and sendwarden-milter SIGKILLed under
# load, behind a real Postfix (issue 6 §2).
#
# usage: tests/reliability/daemon_kill.sh [BUILDDIR]     (default ".")
#
# A private Postfix on loopback (tests/e2e/lib.sh) asks policyd at RCPT and
# END-OF-DATA and runs the milter, configured as contrib/postfix/main.cf is
# (check_policy_service { ..., default_action=DEFER }, milter_default_action
# = tempfail), and relays to smtp-sink. tests/e2e/smtp_load.py keeps
# LOAD_SESSIONS SMTP sessions busy and counts every reply, while
# bench/policy-load (the policy benchmark's driver) loads policyd directly.
#   a. policyd is SIGKILLed KILLS times mid-load and started again after
#      RESTART_DELAY s (2 s: the units' RestartSec=; Postfix itself retries a
#      policy server for about a second before it applies default_action).
#      Org acme has a budget of BUDGET messages a day; after the load one
#      more session sends until the limit defers. Checked: no message was
#      accepted over the budget (a restart that lost the counters would
#      refill it), Postfix answered the clients with 4xx while policyd was
#      gone (none rejected, no session broken), every accepted message
#      reached the sink, the counters after the last restart account for
#      every accepted message, the restarted policyd opened its LMDB state
#      without a reset or error, and `sendwarden limits status` reads it.
#   b. the milter is SIGKILLed KILLS times mid-load, restarted likewise:
#      Postfix tempfails the messages in flight (4xx, none rejected), every
#      accepted message reached the sink and carries our DKIM signature
#      (none went out unsigned), the restarted milter signs again.
# The figures (messages, replies per class, kills) are printed as "#" lines.
#
# Exit: 0 all passed, 1 a failure, 77 skipped (no Postfix, or not root).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
BUILDDIR=${1:-.}
. "$HERE/../e2e/lib.sh"

KILLS=${KILLS:-2}
BUDGET=${BUDGET:-600}
LOAD_SESSIONS=${LOAD_SESSIONS:-6}
LOAD_SECONDS=${LOAD_SECONDS:-10}
RESTART_DELAY=${RESTART_DELAY:-2}
POLICY_LOAD_RATE=${POLICY_LOAD_RATE:-1000}

e2e_stack_setup kill
POLICY_LOAD=$(e2e_binary bench/policy-load) || exit 1

# ------------------------------------------------------------------ sendwarden
cat > "$T/policy/orgs" <<'EOF'
@acme.example acme
@beta.example beta
EOF
cat > "$T/policy/limits" <<EOF
org acme messages $BUDGET/24h $BUDGET defer
EOF
write_stack_conf "$T/sendwarden.conf" </dev/null
add_signing_key acme.example kill
add_signing_key beta.example kill

start_policyd "$POLICYD" "$T/sendwarden.conf" "$SOCK"
start_milter "$MILTER" "$T/sendwarden.conf" "$MILTER_PORT" 2
start_sink "$SINK_PORT"
start_postfix_stack "$SMTP_PORT" "$SINK_PORT" "$MILTER_PORT"

# ------------------------------------------------------------------ helpers
# load NAME USERS: smtp_load.py in the background for LOAD_SECONDS
LOAD_PID=""
load() {
    "$PY" "$HERE/../e2e/smtp_load.py" --port "$SMTP_PORT" --users "$2" --sessions "$LOAD_SESSIONS" \
        --per-session 5 --duration "$LOAD_SECONDS" --tag "$1" --limit-text "retry in" \
        --out "$T/$1.lines" >"$T/$1.summary" 2>"$T/$1.err" &
    LOAD_PID=$!
}
# summary_field NAME KEY: a number of the load's JSON summary
summary_field() { "$PY" -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])[sys.argv[2]])' "$T/$1.summary" "$2"; }
# lines_between NAME FROM TO CLASS-REGEX: messages started in [FROM, TO) s whose
# RCPT/DATA codes match (e.g. '^4' on the deciding code)
tempfails_between() {
    awk -F '\t' -v a="$2" -v b="$3" '$1 != "SESSION-ERROR" && $2 >= a && $2 < b {
        code = ($5 == "-") ? $4 : $5; if (code ~ /^4/ && $6 !~ /retry in/) n++ } END { print n + 0 }' "$T/$1.lines"
}
# kill_cycle PROGRAM: SIGKILL the daemon every LOAD_SECONDS/(KILLS+1) s,
# start it again RESTART_DELAY s later; the kill times go to $T/PROGRAM.kills
kill_cycle() {
    local what=$1 i gap pid t
    gap=$("$PY" -c "print($LOAD_SECONDS / ($KILLS + 1))")
    : > "$T/$what.kills"
    for ((i = 1; i <= KILLS; i++)); do
        sleep "$gap"
        if [ "$what" = policyd ]; then pid=$POLICYD_PID; else pid=$MILTER_PID; fi
        t=$("$PY" -c "import time; print(round(time.time(), 3))")
        kill -KILL "$pid"
        wait "$pid" 2>/dev/null
        echo "$t" >> "$T/$what.kills"
        echo "# $(date +%T) SIGKILL $what (pid $pid)" >> "$T/$what.log"
        sleep "$RESTART_DELAY"
        if [ "$what" = policyd ]; then
            "$POLICYD" -c "$T/sendwarden.conf" --foreground >>"$T/policyd.log" 2>&1 &
            POLICYD_PID=$!
            track_pid "$POLICYD_PID"
            wait_for 10 test -S "$SOCK"
        else
            start_milter "$MILTER" "$T/sendwarden.conf" "$MILTER_PORT" 2
        fi
    done
}
# sink_scan PREFIX [DOMAIN]: "N U": N messages with X-E2E-Tag PREFIX-* at the
# sink, U of them without a DKIM-Signature of DOMAIN (one pass, thousands of files)
sink_scan() {
    "$PY" - "$T/sink" "$1" "${2:-}" <<'PY'
import os, re, sys
sink, prefix, domain = sys.argv[1:4]
n = unsigned = 0
for name in os.listdir(sink):
    with open(os.path.join(sink, name), "rb") as f:
        text = f.read().decode("utf-8", "replace").replace("\r", "")
    head = text.split("\n\n", 1)[0]
    m = re.search(r"^X-E2E-Tag: (\S+)", head, re.M)
    if not m or not m.group(1).startswith(prefix + "-"):
        continue
    n += 1
    unfolded = re.sub(r"\n[ \t]+", " ", head)
    if domain and not re.search(r"^DKIM-Signature:.*\bd=" + re.escape(domain) + r";", unfolded, re.M):
        unsigned += 1
print(n, unsigned)
PY
}
delivered_count() { sink_scan "$1" | cut -d ' ' -f 1; }
wait_sink() {  # wait_sink PREFIX N: until N messages of PREFIX are at the sink
    local i
    for ((i = 0; i < 60; i++)); do
        [ "$(delivered_count "$1")" -ge "$2" ] && { sleep 0.3; return 0; }
        postqueue -c "$CONF" -f >/dev/null 2>&1
        sleep 1
    done
    return 1
}
report_load() {  # report_load NAME: the figures
    echo "# $1: $(tail -n 1 "$T/$1.summary")"
}

# ------------------------------------------------------------------ a. policyd
# The policy benchmark's driver loads policyd directly meanwhile (users of
# no org with a limit, so it does not spend acme's budget).
PL_PID=""
if [ -n "$POLICY_LOAD" ]; then
    "$POLICY_LOAD" -c 4 -n 100000000 -T "$LOAD_SECONDS" --rate "$POLICY_LOAD_RATE" --keep-going \
        --mode rcpt "unix:$SOCK" >"$T/policy-load.out" 2>&1 &
    PL_PID=$!
fi
t_load=$("$PY" -c "import time; print(round(time.time(), 3))")
load a alice@acme.example,bob@acme.example,carol@acme.example
kill_cycle policyd
wait "$LOAD_PID"
[ -n "$PL_PID" ] && wait "$PL_PID"
report_load a
[ -n "$PL_PID" ] && echo "# policy-load beside it: $(grep -o 'RESULT.*' "$T/policy-load.out" | cut -c 1-200)"

accepted=$(summary_field a accepted) limited=$(summary_field a limited) tempfail=$(summary_field a tempfail)
rejected=$(summary_field a rejected) session_errors=$(summary_field a session_errors)
# then alice sends until the limit defers (the load may not have spent it all)
top=$(( BUDGET > accepted ? BUDGET - accepted + 5 : 5 ))
send top alice@acme.example alice@acme.example 'rcpt+{tag}@remote.example' "$top" --timeout 60 >/dev/null ||
    fail "a: the session after the load failed: $(cat "$T/top.err")"
top_accepted=$(awk -F '\t' '$3 == "250"' "$T/top.out" | wc -l)
top_limited=$(grep -c 'retry in' "$T/top.out")
total=$((accepted + top_accepted))
if [ "$total" -le "$BUDGET" ] && [ "$top_limited" -gt 0 ]; then
    ok "a: $total messages accepted for org acme with a budget of $BUDGET ($accepted under load, $top_accepted after), then the limit deferred ($((limited + top_limited)) times): none accepted against policy across $KILLS kills"
else
    fail "a: $total accepted ($accepted under load, $top_accepted after) with a budget of $BUDGET, $top_limited deferred by the limit after: counters lost at a restart?"
fi
# tempfails while policyd was down (times relative to the load's start)
during=0
while read -r k; do
    rel=$("$PY" -c "print($k - $t_load)")
    n=$(tempfails_between a "$("$PY" -c "print($rel - 0.05)")" "$("$PY" -c "print($rel + $RESTART_DELAY + 0.5)")")
    during=$((during + n))
done < "$T/policyd.kills"
if [ "$tempfail" -gt 0 ] && [ "$during" -gt 0 ] && [ "$rejected" = 0 ] && [ "$session_errors" = 0 ]; then
    ok "a: while policyd was gone Postfix answered 4xx ($tempfail tempfails, $during of them while policyd was down), none rejected, no session broken"
else
    fail "a: tempfail $tempfail (near kills: $during), rejected $rejected, session errors $session_errors ($(grep -m 3 SESSION-ERROR "$T/a.lines" | tr '\n' '|'))"
fi
if wait_sink a "$accepted" && [ "$(delivered_count a)" = "$accepted" ] && wait_sink top "$top_accepted" && [ "$(delivered_count top)" = "$top_accepted" ]; then
    ok "a: all $total accepted messages reached the sink, nothing else did"
else
    fail "a: $(delivered_count a) + $(delivered_count top) messages at the sink, $accepted + $top_accepted accepted"
fi
"$CLI" -c "$T/sendwarden.conf" limits status --org acme --json >"$T/status.json" 2>"$T/status.err"
rc=$?
used=$("$PY" -c '
import json, sys
for line in open(sys.argv[1]):
    b = json.loads(line)
    if b.get("metric", b.get("what")) in ("messages", None) and "available" in b:
        print(int(float(b["capacity"] if "capacity" in b else b["burst"]) - float(b["available"]))); break
' "$T/status.json" 2>>"$T/status.err")
# charges made just before a kill may have had no answer: used >= accepted
if [ "$rc" = 0 ] && [ -n "$used" ] && [ "$used" -ge "$total" ] && [ "$used" -ge $((BUDGET - 1)) ]; then
    ok "a: after the restarts the counters account for every accepted message (used $used of $BUDGET, accepted $total)"
else
    fail "a: limits status rc=$rc used='$used' accepted=$total ($(head -c 300 "$T/status.json") $(head -c 300 "$T/status.err"))"
fi
starts=$(grep -c 'ready:' "$T/policyd.log")
if [ "$starts" = $((KILLS + 1)) ] && ! grep -Eiq 'reset|corrupt|MDB_|error' "$T/policyd.log"; then
    ok "a: policyd started $starts times on the same state, its LMDB opened clean each time (no reset, no error logged)"
else
    fail "a: policyd starts $starts (want $((KILLS + 1))): $(grep -Ei 'reset|corrupt|MDB_|error' "$T/policyd.log" | head -n 3 | tr '\n' '|')"
fi

# ------------------------------------------------------------------ b. the milter
load b dave@beta.example,erin@beta.example,frank@beta.example
kill_cycle milter
wait "$LOAD_PID"
report_load b
accepted=$(summary_field b accepted) tempfail=$(summary_field b tempfail)
rejected=$(summary_field b rejected) session_errors=$(summary_field b session_errors)
if [ "$tempfail" -gt 0 ] && [ "$rejected" = 0 ] && [ "$session_errors" = 0 ] && [ "$accepted" -gt 0 ]; then
    ok "b: $KILLS milter kills: $accepted accepted, $tempfail tempfailed by Postfix (milter_default_action = tempfail), none rejected, no session broken"
else
    fail "b: accepted $accepted tempfail $tempfail rejected $rejected session errors $session_errors ($(grep -m 3 SESSION-ERROR "$T/b.lines" | tr '\n' '|'))"
fi
wait_sink b "$accepted"
read -r at_sink unsigned < <(sink_scan b beta.example)
if [ "$at_sink" = "$accepted" ] && [ "$unsigned" = 0 ]; then
    ok "b: all $accepted accepted messages reached the sink, every one signed for beta.example (none went out unsigned)"
else
    fail "b: $at_sink at the sink of $accepted accepted, $unsigned unsigned"
fi
last_ok=$(awk -F '\t' '$5 == "250" { t = $2 } END { print t + 0 }' "$T/b.lines")
if [ "$(grep -c 'ready:' "$T/milter.log")" = $((KILLS + 1)) ] && awk -v t="$last_ok" -v d="$LOAD_SECONDS" -v k="$KILLS" 'BEGIN { exit !(t > d * k / (k + 1)) }'; then
    ok "b: the milter started $((KILLS + 1)) times and signed again after the last kill (last accepted message at +${last_ok}s)"
else
    fail "b: milter starts $(grep -c 'ready:' "$T/milter.log"), last accepted at +${last_ok}s"
fi

finish
