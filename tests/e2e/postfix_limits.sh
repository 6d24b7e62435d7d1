#!/bin/bash
# postfix_limits.sh — end-to-end test of sendwarden-policyd behind a real Postfix.
#
# usage: tests/e2e/postfix_limits.sh [BUILDDIR]      (BUILDDIR defaults to ".")
#
# Starts, all under one mktemp -d directory and on loopback only:
#   - the real BUILDDIR/src/policyd/sendwarden-policyd on a unix socket, with
#     its own config, limits and orgs files;
#   - smtp-sink as the only next hop, keeping every delivered message as a file;
#   - a private Postfix instance (own config, queue and data directories) whose
#     smtpd asks the policy service at RCPT and at END-OF-DATA and relays
#     everything to the sink.
# Then sends mail as XCLIENT LOGIN=... users with tests/e2e/smtp_send.py and
# checks the SMTP replies, Postfix's queues, what reached the sink and the
# daemon's log. One "ok"/"FAIL" line per assertion, then "N passed, M failed".
#
# Exit: 0 all passed, 1 a failure, 77 skipped (no Postfix, or not root: a
# private Postfix instance can only be started by root).
# Environment: E2E_KEEP=1 keeps the temporary directory for inspection.
set -u
export PATH="$PATH:/usr/sbin:/sbin"
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
BUILDDIR=${1:-.}
PY=/usr/bin/python3
SEND=$HERE/smtp_send.py
T0=$(date +%s)

# ------------------------------------------------------------------ prerequisites
for c in postfix postconf postqueue smtp-sink; do
    command -v "$c" >/dev/null 2>&1 || { echo "SKIP: $c not installed (Debian package postfix)"; exit 77; }
done
if [ "$(id -u)" != 0 ]; then
    echo "SKIP: starting a private Postfix instance needs root"; exit 77
fi
[ -x "$PY" ] || { echo "FAIL: $PY not found"; exit 1; }
POLICYD=$BUILDDIR/src/policyd/sendwarden-policyd
[ -x "$POLICYD" ] || { echo "FAIL: $POLICYD not built"; exit 1; }
POLICYD=$(cd "$(dirname "$POLICYD")" && pwd)/$(basename "$POLICYD")
CLI=$BUILDDIR/src/cli/sendwarden
[ -x "$CLI" ] || { echo "FAIL: $CLI not built"; exit 1; }
CLI=$(cd "$(dirname "$CLI")" && pwd)/$(basename "$CLI")

# ------------------------------------------------------------------ bookkeeping
PASSED=0 FAILED=0
ok()   { PASSED=$((PASSED + 1)); echo "ok - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $*"; }
summary() { echo "$PASSED passed, $FAILED failed"; }

T="" CONF="" SINK_PID="" POLICYD_PID="" MASTER_PID="" POSTFIX_STARTED=0

# alive PID: the process exists and is not a zombie
alive() {
    local st
    st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    st=${st##*) }
    [ "${st%% *}" != Z ]
}
# stop_pid PID [SECONDS]: SIGTERM, bounded wait, then SIGKILL
stop_pid() {
    local pid=$1 tenths=$(( ${2:-5} * 10 )) i
    [ -n "$pid" ] || return 0
    alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < tenths; i++)); do alive "$pid" || break; sleep 0.1; done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}
master_pid() { tr -dc '0-9' < "$T/spool/pid/master.pid" 2>/dev/null; }

show_logs() {
    [ -n "$T" ] || return 0
    local f
    for f in policyd.log maillog sink.log postfix-start.log; do
        [ -s "$T/$f" ] || continue
        echo "# ---- last lines of $f"
        tail -n 25 "$T/$f" | sed 's/^/#   /'
    done
}

cleanup() {
    local i
    if [ "$POSTFIX_STARTED" = 1 ]; then
        [ -n "$MASTER_PID" ] || MASTER_PID=$(master_pid)
        postfix -c "$CONF" stop >/dev/null 2>&1
        for ((i = 0; i < 50; i++)); do
            [ -n "$MASTER_PID" ] && alive "$MASTER_PID" || break
            sleep 0.1
        done
        [ -n "$MASTER_PID" ] && alive "$MASTER_PID" && kill -KILL "$MASTER_PID" 2>/dev/null
    fi
    stop_pid "$SINK_PID" 3
    stop_pid "$POLICYD_PID" 5
    if [ -n "$T" ] && [ -d "$T" ]; then
        if [ "${E2E_KEEP:-0}" = 1 ]; then echo "# kept $T"; else rm -rf "$T"; fi
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# die MESSAGE: a setup step failed; nothing further can be checked
die() {
    fail "$*"
    show_logs
    summary
    exit 1
}

# wait_for SECONDS COMMAND...: poll every 0.1 s until COMMAND succeeds
wait_for() {
    local tenths=$(( $1 * 10 )) i
    shift
    for ((i = 0; i < tenths; i++)); do "$@" && return 0; sleep 0.1; done
    "$@"
}
# wait_slowly SECONDS COMMAND...: the same for costly checks, every 0.5 s
wait_slowly() {
    local halves=$(( $1 * 2 )) i
    shift
    for ((i = 0; i < halves; i++)); do "$@" && return 0; sleep 0.5; done
    "$@"
}
listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

# ------------------------------------------------------------------ layout
T=$(mktemp -d /tmp/sendwarden-e2e.XXXXXX) || { echo "FAIL: mktemp"; exit 1; }
chmod 755 "$T"     # user postfix must reach the policy socket and the sink dir
CONF=$T/postfix
mkdir -p "$CONF" "$T/spool" "$T/data" "$T/sink" "$T/policy" "$T/run"
chown postfix "$T/data" "$T/sink"
chmod 755 "$T/run"
SOCK=$T/run/policyd.sock

read -r SMTP_PORT SINK_PORT < <("$PY" -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))')
[ -n "${SINK_PORT:-}" ] || die "could not pick free loopback ports"
echo "# temp dir $T, smtpd 127.0.0.1:$SMTP_PORT, sink 127.0.0.1:$SINK_PORT"

# ------------------------------------------------------------------ sendwarden
# user *: 5 messages per 15 s, burst 5 (one token every 3 s) — alice's 6th is
#   deferred, and a few seconds later she may send again.
# org acme: burst 8 and a slow refill — alice's 5 + 1 and carol's 2 empty it.
# held@hold.example (own org, so acme's empty bucket does not interfere):
#   1 message, then hold.
cat > "$T/policy/limits" <<'EOF'
user * messages 5/15s 5 defer
org acme messages 8/1h 8 defer
user held@hold.example messages 1/1h 1 hold "4.7.1 slow down"
EOF
cat > "$T/policy/orgs" <<'EOF'
@acme.example acme
@other.example other
@hold.example holdorg
EOF
cat > "$T/sendwarden.conf" <<EOF
[global]
policy_dir = $T/policy

[store]
state_dir = $T/state

[policyd]
listen = unix:$SOCK
socket_mode = 0666
EOF

if "$CLI" -c "$T/sendwarden.conf" check-config >"$T/check-config.out" 2>&1; then
    ok "sendwarden check-config accepts the test configuration"
else
    fail "sendwarden check-config: $(tr '\n' ' ' < "$T/check-config.out")"
fi

"$POLICYD" -c "$T/sendwarden.conf" --foreground >"$T/policyd.log" 2>&1 &
POLICYD_PID=$!
policyd_ready() { [ -S "$SOCK" ] || ! alive "$POLICYD_PID"; }
wait_for 10 policyd_ready
alive "$POLICYD_PID" || die "sendwarden-policyd exited at startup"
[ -S "$SOCK" ] || die "sendwarden-policyd did not create $SOCK within 10 s"
ok "sendwarden-policyd started and listens on its unix socket"

# ------------------------------------------------------------------ smtp-sink
smtp-sink -u postfix -h sink.e2e.sendwarden.test -d "$T/sink/msg." \
    "127.0.0.1:$SINK_PORT" 100 >"$T/sink.log" 2>&1 &
SINK_PID=$!
wait_for 5 listening "$SINK_PORT" || die "smtp-sink did not listen on 127.0.0.1:$SINK_PORT"

# ------------------------------------------------------------------ postfix
POLICY="check_policy_service { unix:$SOCK, default_action=DEFER, timeout=10s }"
cat > "$CONF/main.cf" <<EOF
# private instance of the sendwarden end-to-end test (loopback only)
compatibility_level = 3.6
queue_directory = $T/spool
data_directory = $T/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.e2e.sendwarden.test
mydomain = e2e.sendwarden.test
myorigin = \$myhostname
mydestination =
relay_domains =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_authorized_xclient_hosts = 127.0.0.1
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = $POLICY
smtpd_end_of_data_restrictions = $POLICY
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 100
smtpd_hard_error_limit = 200
smtpd_tls_security_level = none
# the only next hop is the local smtp-sink; no DNS
relayhost = [127.0.0.1]:$SINK_PORT
smtp_dns_support_level = disabled
smtp_tls_security_level = none
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
# no syslog daemon here: Postfix logs to this file through postlogd
maillog_file = $T/maillog
maillog_file_prefixes = $T
biff = no
append_dot_mydomain = no
readme_directory = no
EOF
# every service runs unchrooted (chroot column "n")
cat > "$CONF/master.cf" <<EOF
# service      type  private unpriv chroot wakeup maxproc command
127.0.0.1:$SMTP_PORT inet n  -      n      -      -       smtpd
pickup         unix  n       -      n      60     1       pickup
cleanup        unix  n       -      n      -      0       cleanup
qmgr           unix  n       -      n      300    1       qmgr
rewrite        unix  -       -      n      -      -       trivial-rewrite
bounce         unix  -       -      n      -      0       bounce
defer          unix  -       -      n      -      0       bounce
trace          unix  -       -      n      -      0       bounce
verify         unix  -       -      n      -      1       verify
flush          unix  n       -      n      1000?  0       flush
proxymap       unix  -       -      n      -      -       proxymap
proxywrite     unix  -       -      n      -      1       proxymap
smtp           unix  -       -      n      -      -       smtp
relay          unix  -       -      n      -      -       smtp
showq          unix  n       -      n      -      -       showq
error          unix  -       -      n      -      -       error
retry          unix  -       -      n      -      -       error
discard        unix  -       -      n      -      -       discard
anvil          unix  -       -      n      -      1       anvil
scache         unix  -       -      n      -      1       scache
postlog        unix-dgram n  -      n      -      1       postlogd
EOF

# postfix(1) reports its problems to syslog unless stderr is a terminal:
# when a step fails, run it again under script(1) to capture the reason.
postfix_cmd() {
    timeout 60 postfix -c "$CONF" "$1" >>"$T/postfix-start.log" 2>&1 && return 0
    timeout 60 script -qc "postfix -c $CONF $1" /dev/null >>"$T/postfix-start.log" 2>&1
    return 1
}
postfix_cmd check || die "postfix check: $(tail -n 3 "$T/postfix-start.log" | tr '\n' ' ')"
POSTFIX_STARTED=1
postfix_cmd start || die "postfix start: $(tail -n 3 "$T/postfix-start.log" | tr '\n' ' ')"
have_master_pid() { [ -n "$(master_pid)" ]; }
wait_for 10 have_master_pid || die "Postfix master wrote no pid file"
MASTER_PID=$(master_pid)
wait_for 10 listening "$SMTP_PORT" || die "Postfix smtpd not listening on 127.0.0.1:$SMTP_PORT"
ok "private Postfix started (master pid $MASTER_PID)"

# ------------------------------------------------------------------ helpers
# send NAME LOGIN FROM TO COUNT: one SMTP session; the result lines
# (TAG RCPT-CODE DATA-CODE TEXT, tab-separated) land in $T/NAME.out
send() {
    local name=$1 login=$2 from=$3 to=$4 count=$5
    if ! timeout 90 "$PY" "$SEND" --port "$SMTP_PORT" --login "$login" --from "$from" \
            --to "$to" --count "$count" --tag "$name" >"$T/$name.out" 2>"$T/$name.err"; then
        echo "# smtp_send $name: $(tr '\n' ' ' < "$T/$name.err")"
        return 1
    fi
    sed "s/^/#   $name: /" "$T/$name.out"
}
# field TAG N: field N of the result line of message TAG
field() { awk -F '\t' -v t="$1" -v n="$2" '$1 == t { print $n }' "$T/${1%-*}.out"; }
# got TAG: what happened to message TAG, for failure messages
got() { echo "got RCPT $(field "$1" 2) DATA $(field "$1" 3): $(field "$1" 4)"; }
# accepted TAG: RCPT 2xx and DATA 250
accepted() { [ "$(field "$1" 2)" = 250 ] && [ "$(field "$1" 3)" = 250 ]; }
# deferred_at_rcpt TAG: RCPT 4xx, DATA never reached
deferred_at_rcpt() { [[ $(field "$1" 2) == 4[0-9][0-9] ]] && [ "$(field "$1" 3)" = - ]; }
# all_accepted TAG-PREFIX FIRST LAST
all_accepted() {
    local i
    for ((i = $2; i <= $3; i++)); do accepted "$1-$i" || return 1; done
}
# text_has TAG WORD...: the reply text of TAG contains every WORD
text_has() {
    local text w
    text=$(field "$1" 4); shift
    for w in "$@"; do [[ $text == *"$w"* ]] || return 1; done
}
DELIVERED=()   # tags expected at the sink

# ------------------------------------------------------------------ a. user limit
# alice@acme.example: 5 messages pass, the 6th is deferred at RCPT by our policy
send a alice@acme.example alice@acme.example 'rcpt+{tag}@remote.example' 6 \
    || die "SMTP session a failed"
if all_accepted a 1 5; then
    ok "a: alice's first 5 messages accepted (RCPT 250, DATA 250)"
    DELIVERED+=(a-1 a-2 a-3 a-4 a-5)
else
    fail "a: alice's first 5 messages accepted ($(for i in 1 2 3 4 5; do echo -n "a-$i $(got a-$i); "; done))"
fi
if deferred_at_rcpt a-6 && text_has a-6 messages "retry in" "alice@acme.example"; then
    ok "a: alice's 6th deferred at RCPT: $(field a-6 2) $(field a-6 4)"
else
    fail "a: alice's 6th deferred at RCPT with our text ($(got a-6))"
fi
RETRY=$(field a-6 4 | sed -n 's/.*retry in \([0-9][0-9]*\)s.*/\1/p')
if [ -n "$RETRY" ] && [ "$RETRY" -ge 1 ] && [ "$RETRY" -le 3 ]; then
    ok "a: advertised retry time ${RETRY}s fits 5 messages/15s (one every 3 s)"
else
    fail "a: advertised retry time '${RETRY}' not within 1..3 s"
fi
defer_logged() { grep 'defer:' "$T/policyd.log" | grep -q 'user=alice@acme\.example'; }
if wait_for 3 defer_logged; then
    ok "a: policyd logged the deferral: $(grep 'defer:' "$T/policyd.log" | grep 'user=alice@acme\.example' | head -n 1 | cut -c 1-160)"
else
    fail "a: policyd log has no 'defer:' line with user=alice@acme.example"
fi

# ------------------------------------------------------------------ e. refill
# after the advertised time alice may send again (one token refilled)
WAIT=${RETRY:-3}
[ "$WAIT" -gt 15 ] && WAIT=15
sleep "$WAIT.5"
send e alice@acme.example alice@acme.example 'rcpt+{tag}@remote.example' 1 \
    || die "SMTP session e failed"
if accepted e-1; then
    ok "e: after waiting ${WAIT}.5 s alice's next message is accepted"
    DELIVERED+=(e-1)
else
    fail "e: after waiting ${WAIT}.5 s alice's next message accepted ($(got e-1))"
fi

# ------------------------------------------------------------------ b. org limit
# carol@acme.example has her own user bucket (full), but org acme has 2 of 8 left
send b carol@acme.example carol@acme.example 'rcpt+{tag}@remote.example' 3 \
    || die "SMTP session b failed"
if all_accepted b 1 2; then
    ok "b: carol's first 2 messages accepted (org acme had 2 left)"
    DELIVERED+=(b-1 b-2)
else
    fail "b: carol's first 2 messages accepted (b-1 $(got b-1); b-2 $(got b-2))"
fi
if deferred_at_rcpt b-3 && text_has b-3 "org acme" messages "retry in"; then
    ok "b: carol's 3rd deferred by the org bucket: $(field b-3 2) $(field b-3 4)"
else
    fail "b: carol's 3rd deferred at RCPT naming org acme ($(got b-3))"
fi

# the CLI reads the same counters while policyd runs: org acme is empty
org_status=$("$CLI" -c "$T/sendwarden.conf" limits status --org acme --json 2>"$T/cli.err" | "$PY" -c '
import json, sys
for line in sys.stdin:
    try:
        r = json.loads(line)
    except ValueError:
        continue
    if (r.get("scope"), r.get("member"), r.get("metric")) == ("org", "acme", "messages"):
        print(r.get("available"), r.get("burst"), r.get("full_in_seconds"))')
read -r avail burst full_in <<<"$org_status"
if [ "${avail:-}" = 0 ] && [ "${burst:-}" = 8 ] && [[ ${full_in:-} =~ ^[0-9]+$ ]] \
        && [ "$full_in" -gt 3000 ] && [ "$full_in" -le 3600 ]; then
    ok "b: 'sendwarden limits status --org acme' shows the org bucket empty (0 of 8, full in ${full_in}s)"
else
    fail "b: 'sendwarden limits status --org acme' shows 0 of 8 available (got '${org_status}' $(tr '\n' ' ' < "$T/cli.err"))"
fi

# ------------------------------------------------------------------ c. other org
send c dave@other.example dave@other.example 'rcpt+{tag}@remote.example' 1 \
    || die "SMTP session c failed"
if accepted c-1; then
    ok "c: dave@other.example (org other) is not affected and is accepted"
    DELIVERED+=(c-1)
else
    fail "c: dave@other.example accepted ($(got c-1))"
fi

# ------------------------------------------------------------------ d. hold
# held@hold.example: 1 message, then the action is hold: SMTP still says 250
# but the message waits in Postfix's hold queue
send d held@hold.example held@hold.example 'rcpt+{tag}@remote.example' 2 \
    || die "SMTP session d failed"
if accepted d-1 && accepted d-2; then
    ok "d: both of held@hold.example's messages accepted by SMTP (250)"
    DELIVERED+=(d-1)
else
    fail "d: held@hold.example's 2 messages accepted by SMTP (d-1 $(got d-1); d-2 $(got d-2))"
fi
# queued RECIPIENT QUEUE: number of messages for RECIPIENT in Postfix queue QUEUE
queued() {
    postqueue -c "$CONF" -j 2>/dev/null | "$PY" -c '
import json, sys
rcpt, queue = sys.argv[1], sys.argv[2]
n = 0
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("queue_name") == queue and any(
            r.get("address") == rcpt for r in m.get("recipients", [])):
        n += 1
print(n)' "$1" "$2"
}
d2_held() { [ "$(queued rcpt+d-2@remote.example hold)" = 1 ]; }
if wait_slowly 5 d2_held; then
    ok "d: the 2nd message (rcpt+d-2@remote.example) sits in Postfix's hold queue"
else
    fail "d: the 2nd message in the hold queue (postqueue -j: $(postqueue -c "$CONF" -j 2>&1 | tr '\n' ' ' | cut -c 1-300))"
fi

hold_logged() { grep 'hold:' "$T/policyd.log" | grep -q 'user=held@hold\.example'; }
if wait_for 3 hold_logged; then
    ok "d: policyd logged the hold: $(grep 'hold:' "$T/policyd.log" | grep 'user=held@hold\.example' | head -n 1 | cut -c 1-160)"
else
    fail "d: policyd log has no 'hold:' line with user=held@hold.example"
fi

# ------------------------------------------------------------------ delivery
# every accepted, not held message must reach smtp-sink; nothing else may
sink_tags() {
    local f
    for f in "$T"/sink/msg.*; do
        [ -f "$f" ] || continue
        tr -d '\r' < "$f" | sed -n 's/^X-E2E-Tag: //p'
    done | sort
}
EXPECTED=$(printf '%s\n' "${DELIVERED[@]}" | sort)
all_delivered() { [ "$(ls "$T/sink" | wc -l)" -ge "${#DELIVERED[@]}" ]; }
for ((i = 0; i < 10; i++)); do        # up to ~20 s, flushing the queue as we go
    all_delivered && break
    postqueue -c "$CONF" -f >/dev/null 2>&1
    wait_for 2 all_delivered && break
done
sleep 0.5                              # let the sink finish writing its last file
GOT=$(sink_tags)
if [ "$GOT" = "$EXPECTED" ]; then
    ok "delivery: exactly the ${#DELIVERED[@]} accepted, not held messages reached smtp-sink"
else
    fail "delivery: smtp-sink got [$(echo $GOT)], expected [$(echo $EXPECTED)]"
fi
if [ "$(queued rcpt+d-2@remote.example hold)" = 1 ] && ! grep -qx 'd-2' <<<"$GOT"; then
    ok "delivery: the held message stayed in the hold queue"
else
    fail "delivery: the held message stayed in the hold queue"
fi

# ------------------------------------------------------------------ the daemon survived
if alive "$POLICYD_PID"; then
    ok "sendwarden-policyd still running at the end"
else
    fail "sendwarden-policyd died during the test"
fi

echo "# runtime $(( $(date +%s) - T0 )) s"
[ "$FAILED" = 0 ] || show_logs
summary
[ "$FAILED" = 0 ]
