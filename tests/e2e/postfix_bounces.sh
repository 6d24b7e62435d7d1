#!/bin/bash
# postfix_bounces.sh — end-to-end test of the bounce loop: Postfix's own DSN
# goes through a pipe transport to `sendwarden ingest`, which suppresses the
# dead recipient, counts the bounce for the org and pauses the org when its
# bounce rate crosses the threshold.
#
# usage: tests/e2e/postfix_bounces.sh [BUILDDIR]      (BUILDDIR defaults to ".")
#
# Starts, all under one mktemp -d directory and on loopback only:
#   - sendwarden-policyd (user nobody) asked at RCPT and END-OF-DATA;
#   - smtp-sink, the next hop that accepts (good.example and the rest);
#   - tests/e2e/smtp_reject.py, the next hop of bad.example, refusing every
#     RCPT with "550 5.1.1 ... User unknown" (smtp-sink can refuse only with
#     "500 5.3.0", which is not a dead address);
#   - a private Postfix: mail to acme.example (the senders' bounces) goes to
#     a pipe transport running `sendwarden ingest` as nobody; contact.example
#     is a virtual mailbox domain (the org contact's maildir).
# Checks: the dead recipient is suppressed and the next message to it is
# refused at RCPT with our text; the org's bounce rate moves; after more
# bounces the org is paused, its next message lands in the hold queue, the
# contact gets a notice in the mailbox; `sendwarden org resume` lets new mail
# through; a forged DSN (no sent record) suppresses nobody.
#
# Exit: 0 all passed, 1 a failure, 77 skipped (no Postfix, or not root).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
BUILDDIR=${1:-.}
. "$HERE/lib.sh"

e2e_require
POLICYD=$(e2e_binary src/policyd/sendwarden-policyd) || exit 1
CLI=$(e2e_binary src/cli/sendwarden) || exit 1

e2e_setup bounces
LOG_FILES=(policyd.log reject.log "${LOG_FILES[@]}")
mkdir -p "$T/policy" "$T/state" "$T/quarantine" "$T/mail"
chown nobody "$T/state" "$T/quarantine"
chown nobody:nogroup "$T/mail"
SOCK=$T/run/policyd.sock
CONFFILE=$T/sendwarden.conf

read -r SMTP_PORT SINK_PORT REJECT_PORT < <(free_ports 3)
[ -n "${REJECT_PORT:-}" ] || die "could not pick free loopback ports"
echo "$SMTP_PORT" > "$T/.port"
echo "# temp dir $T, smtpd :$SMTP_PORT, sink :$SINK_PORT, rejecting hop :$REJECT_PORT"

cat > "$T/policy/limits" <<'EOF'
EOF
cat > "$T/policy/orgs" <<'EOF'
@acme.example acme
EOF
# small volumes so a handful of messages decide: judged from 3 messages on,
# warned at 10%, paused at 30% hard-bounced recipients
cat > "$T/policy/org_settings" <<'EOF'
acme contact ops@contact.example
acme min_volume 3
acme bounce_warn 10%
acme bounce_pause 30%
EOF
write_sendwarden_conf "$CONFFILE" <<EOF
user = nobody

[ingest]
quarantine_dir = $T/quarantine

[reputation]
notify_from = sendwarden@mx.e2e.sendwarden.test
sendmail_path = $T/sendmail
EOF
# the notice goes through a sendmail stand-in that submits over SMTP (see
# sendmail_smtp.py: postdrop will not take a private instance's config)
cp "$HERE/sendmail_smtp.py" "$T/sendmail"
chmod 755 "$T/sendmail"
chmod 644 "$CONFFILE"

start_policyd "$POLICYD" "$CONFFILE" "$SOCK"
ok "sendwarden-policyd started (user nobody)"

start_sink "$SINK_PORT"
"$PY" "$HERE/smtp_reject.py" "$REJECT_PORT" "$T/reject.log" &
track_pid $!
wait_for 5 listening "$REJECT_PORT" || die "smtp_reject.py did not listen"

POLICY="check_policy_service { unix:$SOCK, default_action=DEFER, timeout=10s }"
printf 'bad.example smtp:[127.0.0.1]:%s\nacme.example sendwarden-ingest:\n' "$REJECT_PORT" > "$T/transport"
write_postfix_config "$SMTP_PORT" "$SINK_PORT" <<EOF
smtpd_recipient_restrictions = $POLICY
smtpd_end_of_data_restrictions = $POLICY
transport_maps = texthash:$T/transport
relay_domains = acme.example
sendwarden-ingest_destination_recipient_limit = 1
virtual_mailbox_domains = contact.example
virtual_mailbox_base = $T/mail
virtual_mailbox_maps = static:contact/
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
notify_classes =
EOF
cat >> "$CONF/master.cf" <<EOF
virtual        unix  -       n      n      -      -       virtual
sendwarden-ingest unix - n n - - pipe
  flags=q user=nobody argv=$CLI -c $CONFFILE ingest
EOF
start_postfix "$SMTP_PORT"

# ------------------------------------------------------------------ helpers
ING() { "$CLI" -c "$CONFFILE" "$@"; }
suppressed() { ING suppress list --org acme --json 2>/dev/null | grep -q "\"$1\""; }
ingested_lines() { grep -c 'ingest: bounce' "$T/maillog" 2>/dev/null || echo 0; }
org_json() { ING org status acme --json 2>/dev/null; }
json_field() { "$PY" -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# ------------------------------------------------------------------ a. sent mail is recorded
send a alice@acme.example alice@acme.example 'ok+{tag}@good.example' 4 || die "SMTP session a failed"
wait_delivered 30 a-1 a-2 a-3 a-4 && ok "a: 4 messages to good.example delivered" || fail "a: 4 messages delivered"
SENT=$(ING stats --org acme --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["orgs"][0]["sent"])')
check "a: stats counts 4 sent for acme (got $SENT)" [ "$SENT" = 4 ]

# ------------------------------------------------------------------ b. the DSN loop
send b alice@acme.example alice@acme.example 'dead1@bad.example' 1 || die "SMTP session b failed"
check "b: the message to dead1@bad.example is accepted by our Postfix" accepted b-1
if wait_slowly 40 suppressed dead1@bad.example; then
    ok "b: Postfix's DSN went through the pipe: dead1@bad.example suppressed for acme"
else
    fail "b: dead1@bad.example not suppressed ($(grep -E 'ingest|sendwarden' "$T/maillog" | tail -n 3 | tr '\n' ' '))"
fi
# (no syslog daemon here: Postfix's pipe log line quotes ingest's first line)
pipe_logged() { grep -q 'relay=sendwarden-ingest.*status=sent' "$T/maillog"; }
wait_for 10 pipe_logged
LINE=$(grep 'relay=sendwarden-ingest.*status=sent' "$T/maillog" | head -n 1)
if [[ $LINE == *"ingest: bounce dead1@bad.example org=acme matched_by=queue-id"* ]]; then
    ok "b: the pipe delivered the DSN; ingest said: ${LINE##*service (}"
else
    fail "b: Postfix's pipe log line quotes 'ingest: bounce dead1@bad.example org=acme matched_by=queue-id' (got: $LINE)"
fi
OUT=$(ING stats --org acme --json | "$PY" -c 'import json,sys; o=json.load(sys.stdin)["orgs"][0]; print(o["bounced"], o["recipients"])')
check "b: stats: 1 hard bounce of 5 recipients (got $OUT)" [ "$OUT" = "1 5" ]
send c alice@acme.example alice@acme.example 'dead1@bad.example' 1 || die "SMTP session c failed"
if [ "$(field c-1 2)" = 550 ] && text_has c-1 "recipient suppressed: hard bounce on $(date -u +%F)"; then
    ok "c: the next message to dead1@bad.example is refused at RCPT: $(field c-1 2) $(field c-1 4)"
else
    fail "c: refused at RCPT with our text ($(got c-1))"
fi
RATE=$(org_json | json_field bounce_rate)
STATE=$(org_json | json_field state)
if "$PY" -c 'import sys; sys.exit(0 if abs(float(sys.argv[1]) - 0.2) < 1e-9 else 1)' "$RATE" && [ "$STATE" = warned ]; then
    ok "c: acme's bounce rate is 1/5 = $RATE and acme is warned"
else
    fail "c: acme's bounce rate 0.2 and state warned (got $RATE, $STATE)"
fi

# ------------------------------------------------------------------ d. pause
send d alice@acme.example alice@acme.example 'dead{tag}@bad.example' 2 || die "SMTP session d failed"
paused() { [ "$(org_json | json_field state)" = paused ]; }
if wait_slowly 40 paused; then
    ok "d: after 3 of 7 recipients bounced, acme is paused: $(org_json | json_field reason)"
else
    fail "d: acme paused (state $(org_json | json_field state), rate $(org_json | json_field bounce_rate))"
fi
send e alice@acme.example alice@acme.example 'ok+{tag}@good.example' 1 || die "SMTP session e failed"
held() { [ "$(queued ok+e-1@good.example hold)" = 1 ]; }
if accepted e-1 && wait_for 10 held; then
    ok "e: acme's next message is accepted into the hold queue"
else
    fail "e: acme's next message held ($(got e-1); hold queue: $(queued ok+e-1@good.example hold))"
fi
grep -q 'hold: RCPT from .*org=acme paused=auto' "$T/policyd.log" \
    && ok "e: policyd logged the hold with org=acme paused=auto" \
    || fail "e: policyd log has no hold line for acme"
notice() { grep -rlq 'Subject: \[sendwarden\] org acme paused' "$T/mail/contact" 2>/dev/null; }
if wait_slowly 30 notice; then
    F=$(grep -rl 'Subject: \[sendwarden\] org acme paused' "$T/mail/contact" | head -n 1)
    grep -q 'sendwarden org resume acme' "$F" \
        && ok "e: the contact's mailbox has the notice, with how to resume" \
        || fail "e: the notice does not say how to resume"
else
    fail "e: no notice in the contact's mailbox $T/mail/contact"
fi

# ------------------------------------------------------------------ f. resume
if ING org resume acme >"$T/resume.out" 2>&1; then ok "f: sendwarden org resume acme"; else fail "f: org resume: $(cat "$T/resume.out")"; fi
grep -qE 'audit: user=root( sudo_user=[^ ]+)? org resume acme' "$T/resume.out" && ok "f: the resume is audited" || fail "f: no audit line for the resume"
send f alice@acme.example alice@acme.example 'ok+{tag}@good.example' 1 || die "SMTP session f failed"
wait_delivered 30 f-1 && ok "f: after resume, acme's new mail is delivered" || fail "f: new mail after resume ($(got f-1))"

# ------------------------------------------------------------------ g. a forged DSN
cat > "$T/forged.eml" <<'EOF'
From: MAILER-DAEMON@elsewhere.example
To: alice@acme.example
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

Your message could not be delivered.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.elsewhere.example
X-Postfix-Queue-ID: 3FAKEQUEUE1

Final-Recipient: rfc822; victim@good.example
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <victim@good.example>: User unknown

--b1
Content-Type: text/rfc822-headers

From: alice@acme.example
To: victim@good.example
Message-ID: <forged.1@acme.example>
Subject: hello

--b1--
EOF
if ING ingest --json < "$T/forged.eml" >"$T/forged.out" 2>"$T/forged.err"; then
    ok "g: the forged DSN is ingested (exit 0)"
else
    fail "g: ingest of the forged DSN exited $? ($(cat "$T/forged.err"))"
fi
if grep -q '"action":"not-suppressed-unmatched"' "$T/forged.out" && ! suppressed victim@good.example \
        && ! ING suppress list --json | grep -q victim@good.example; then
    ok "g: a forged DSN (no sent record) suppresses nobody"
else
    fail "g: forged DSN: $(cat "$T/forged.out")"
fi
grep -q 'matches no sent message' "$T/forged.err" && ok "g: the unmatched report is logged" || fail "g: no 'matches no sent message' line"

finish
