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
# daemon's log, and that a recipient suppressed with `sendwarden suppress add`
# while policyd runs is refused at RCPT. One "ok"/"FAIL" line per assertion,
# then "N passed, M failed".
#
# Exit: 0 all passed, 1 a failure, 77 skipped (no Postfix, or not root: a
# private Postfix instance can only be started by root).
# Environment: E2E_KEEP=1 keeps the temporary directory for inspection.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
BUILDDIR=${1:-.}
. "$HERE/lib.sh"

e2e_require
POLICYD=$(e2e_binary src/policyd/sendwarden-policyd) || exit 1
CLI=$(e2e_binary src/cli/sendwarden) || exit 1

e2e_setup e2e
LOG_FILES=(policyd.log "${LOG_FILES[@]}")
mkdir -p "$T/policy"
SOCK=$T/run/policyd.sock

read -r SMTP_PORT SINK_PORT < <(free_ports 2)
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
write_sendwarden_conf "$T/sendwarden.conf" </dev/null

if "$CLI" -c "$T/sendwarden.conf" check-config >"$T/check-config.out" 2>&1; then
    ok "sendwarden check-config accepts the test configuration"
else
    fail "sendwarden check-config: $(tr '\n' ' ' < "$T/check-config.out")"
fi

start_policyd "$POLICYD" "$T/sendwarden.conf" "$SOCK"
ok "sendwarden-policyd started and listens on its unix socket"

# ------------------------------------------------------------------ smtp-sink
start_sink "$SINK_PORT"

# ------------------------------------------------------------------ postfix
POLICY="check_policy_service { unix:$SOCK, default_action=DEFER, timeout=10s }"
write_postfix_config "$SMTP_PORT" "$SINK_PORT" <<EOF
smtpd_recipient_restrictions = $POLICY
smtpd_end_of_data_restrictions = $POLICY
EOF
start_postfix "$SMTP_PORT"

# ------------------------------------------------------------------ helpers
# deferred_at_rcpt TAG: RCPT 4xx, DATA never reached
deferred_at_rcpt() { [[ $(field "$1" 2) == 4[0-9][0-9] ]] && [ "$(field "$1" 3)" = - ]; }
# all_accepted TAG-PREFIX FIRST LAST
all_accepted() {
    local i
    for ((i = $2; i <= $3; i++)); do accepted "$1-$i" || return 1; done
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

# ------------------------------------------------------------------ s. suppression
# a recipient suppressed for org "other" with the CLI, while policyd runs: its
# next message from dave is refused at RCPT with our text
if "$CLI" -c "$T/sendwarden.conf" suppress add 'rcpt+s-1@remote.example' --org other --reason hard-bounce \
        >"$T/suppress.out" 2>&1; then
    send s dave@other.example dave@other.example 'rcpt+{tag}@remote.example' 1 || die "SMTP session s failed"
    if [ "$(field s-1 2)" = 550 ] && [ "$(field s-1 3)" = - ] &&
            grep -q "^5\.1\.1 .*recipient suppressed: hard bounce on $(date -u +%F)" <<<"$(field s-1 4)"; then
        ok "s: a suppressed recipient is refused at RCPT: $(field s-1 2) $(field s-1 4)"
    else
        fail "s: the suppressed recipient refused at RCPT with 550 5.1.1 ($(got s-1))"
    fi
    suppress_logged() { grep 'reject:' "$T/policyd.log" | grep -q 'suppressed=rcpt+s-1@remote\.example scope=org:other reason=hard-bounce'; }
    if wait_for 3 suppress_logged; then
        ok "s: policyd logged the refusal with scope and reason"
    else
        fail "s: policyd log has no 'reject:' line for rcpt+s-1@remote.example"
    fi
else
    fail "s: sendwarden suppress add: $(cat "$T/suppress.out")"
fi

# ------------------------------------------------------------------ delivery
# every accepted, not held message must reach smtp-sink; nothing else may
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

finish
