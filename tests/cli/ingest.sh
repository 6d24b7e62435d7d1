#!/bin/bash
# ingest.sh — `sendwarden ingest` (stdin, --maildir, --mbox, --json) and
# `sendwarden org status|pause|resume`, `stats` against real environments in
# a temporary state directory: the JSON result objects, sysexits (75 when the
# store cannot be used, so a Postfix pipe retries), quarantine, duplicates,
# the sent record written as policyd would (through the core API is not
# reachable from a script: the bounce is matched by the sender's org and
# accept_unmatched = yes here), pause/resume with audit lines.
#
# usage: tests/cli/ingest.sh [BUILDDIR]      (BUILDDIR defaults to ".")
# Exit: 0 all passed, 1 a failure.
set -u
export LC_ALL=C

BUILDDIR=${1:-.}
CLI=$BUILDDIR/src/cli/sendwarden
[ -x "$CLI" ] || { echo "FAIL: $CLI not built"; exit 1; }
PY=/usr/bin/python3

PASSED=0 FAILED=0
ok()   { PASSED=$((PASSED + 1)); echo "ok - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $*"; }

T=$(mktemp -d "${TMPDIR:-/tmp}/sw-ingest.XXXXXX")
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT
mkdir -p "$T/policy" "$T/state" "$T/md/new" "$T/md/cur"
: >"$T/policy/limits"
echo "@acme.example acme" >"$T/policy/orgs"
echo "acme contact ops@acme.example" >"$T/policy/org_settings"
# a sendmail that keeps its arguments and the message
printf '#!/bin/sh\necho "$@" > %s/sendmail.args\ncat > %s/sendmail.msg\n' "$T" "$T" >"$T/sendmail"
chmod 755 "$T/sendmail"
cat >"$T/c.conf" <<EOF
[global]
policy_dir = $T/policy
[store]
state_dir = $T/state
[ingest]
accept_unmatched = yes
quarantine_dir = $T/quarantine
[reputation]
sendmail_path = $T/sendmail
notify_from = sw@acme.example
EOF
sw() { "$CLI" -c "$T/c.conf" "$@"; }
# jq-like: jget FILE LINE EXPR — EXPR is Python on the object `o`
jget() { "$PY" -c 'import json,sys; o=json.loads(open(sys.argv[1]).read().splitlines()[int(sys.argv[2])]); print(eval(sys.argv[3]))' "$@"; }

dsn() {  # dsn RCPT STATUS DIAG
    printf '%s\n' "From: MAILER-DAEMON@mx.remote.example" "To: alice@acme.example" \
        "Subject: Delivery Status Notification (Failure)" "MIME-Version: 1.0" \
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"' "" \
        "--b" "Content-Type: text/plain" "" "failed" "" \
        "--b" "Content-Type: message/delivery-status" "" "Reporting-MTA: dns; mx.remote.example" "" \
        "Final-Recipient: rfc822; $1" "Action: failed" "Status: $2" "Diagnostic-Code: smtp; $3" "" \
        "--b" "Content-Type: text/rfc822-headers" "" "From: alice@acme.example" "To: $1" \
        "Message-ID: <m.$1@acme.example>" "" "--b--"
}

# ---------------------------------------------------------------- stdin, --json
dsn bob@remote.example 5.1.1 "550 5.1.1 <bob@remote.example>: Recipient address rejected: User unknown" >"$T/bob.eml"
if sw ingest --json <"$T/bob.eml" >"$T/out" 2>"$T/err"; then ok "stdin: exit 0"; else fail "stdin: exit $? ($(cat "$T/err"))"; fi
got=$(jget "$T/out" 0 'o["kind"], o["org"], o["recipients"][0]["address"], o["recipients"][0]["status"], o["recipients"][0]["reason"], o["recipients"][0]["verdict"], o["recipients"][0]["action"]')
want="('bounce', 'acme', 'bob@remote.example', '5.1.1', 'user-unknown', 'hard', 'suppressed')"
[ "$got" = "$want" ] && ok "stdin --json: $got" || fail "stdin --json: got $got, want $want"
sw suppress list --org acme --json | grep -q '"bob@remote.example"' && ok "stdin: bob suppressed for acme" || fail "stdin: bob not suppressed"
sw ingest --json <"$T/bob.eml" >"$T/out2" 2>/dev/null
[ "$(jget "$T/out2" 0 'o["disposition"]' 2>/dev/null)" = duplicate ] && ok "the same message again: duplicate" || fail "duplicate: $(cat "$T/out2")"

# ---------------------------------------------------------------- quarantine
printf 'From: friend@remote.example\nTo: alice@acme.example\nSubject: lunch\n\nhi\n' | sw ingest --json >"$T/q.out" 2>"$T/q.err"
rc=$?
qpath=$(jget "$T/q.out" 0 'o.get("quarantine","")' 2>/dev/null)
if [ "$rc" = 0 ] && [ -f "$qpath" ] && grep -q 'Subject: lunch' "$qpath"; then ok "other mail: kept in $qpath (exit 0)"; else fail "quarantine: rc $rc, $(cat "$T/q.out")"; fi
grep -q 'ingest: quarantined' "$T/q.err" && ok "quarantine: logged" || fail "quarantine: no log line"

# ---------------------------------------------------------------- --maildir, --mbox
dsn carol@remote.example 5.2.2 "552 5.2.2 Mailbox full" >"$T/md/new/1.eml"
dsn dave@remote.example 5.7.1 "550 5.7.1 Message rejected as spam" >"$T/md/cur/2.eml"
sw ingest --maildir "$T/md" --json >"$T/md.out" 2>"$T/md.err"
rc=$?
n=$(wc -l <"$T/md.out")
if [ "$rc" = 0 ] && [ "$n" = 2 ]; then ok "--maildir: 2 results, exit 0"; else fail "--maildir: rc $rc, $n lines ($(cat "$T/md.err"))"; fi
acts=$(for i in 0 1; do jget "$T/md.out" $i 'o["recipients"][0]["reason"]+":"+o["recipients"][0]["action"]'; done | sort | tr '\n' ' ')
[ "$acts" = "blocked:counted mailbox-full:soft-counted " ] && ok "--maildir: $acts" || fail "--maildir: $acts"
{ echo "From MAILER-DAEMON Tue Nov 24 10:00:00 2026"; dsn erin@remote.example 5.1.1 "550 5.1.1 no such user"; echo;
  echo "From MAILER-DAEMON Tue Nov 24 10:00:01 2026"; dsn frank@remote.example 5.1.2 "550 5.1.2 Host unknown"; } >"$T/box.mbox"
sw ingest --mbox "$T/box.mbox" --json >"$T/mbox.out" 2>"$T/mbox.err"
rcpts=$(for i in 0 1; do jget "$T/mbox.out" $i 'o["recipients"][0]["address"]+":"+o["recipients"][0]["reason"]'; done | tr '\n' ' ')
[ "$rcpts" = "erin@remote.example:user-unknown frank@remote.example:host-unknown " ] && ok "--mbox: $rcpts" || fail "--mbox: $rcpts ($(cat "$T/mbox.err"))"

# ---------------------------------------------------------------- sysexits
sed "s#^state_dir = .*#state_dir = $T/missing#" "$T/c.conf" >"$T/missing.conf"
"$CLI" -c "$T/missing.conf" ingest <"$T/bob.eml" >/dev/null 2>"$T/err"
rc=$?
[ "$rc" = 75 ] && ok "no state directory in pipe mode: exit 75 (Postfix keeps the message and retries)" \
    || fail "no state directory: exit $rc, want 75 ($(cat "$T/err"))"
printf '[global]\nno_such_option = 1\n' >"$T/bad.conf"
"$CLI" -c "$T/bad.conf" ingest <"$T/bob.eml" >/dev/null 2>&1
rc=$?
[ "$rc" = 75 ] && ok "a bad config in pipe mode: exit 75 (kept and retried)" || fail "bad config: exit $rc, want 75"
sw ingest --maildir "$T/md" --mbox "$T/box.mbox" >/dev/null 2>&1
[ $? = 64 ] && ok "--maildir with --mbox: exit 64" || fail "--maildir with --mbox: not 64"

# ---------------------------------------------------------------- a full store
mkdir -p "$T/small"
sed "s#^state_dir = .*#state_dir = $T/small\ndata_max_size = 64k#" "$T/c.conf" >"$T/small.conf"
rc=0
# Real aggregate reports (60 records each) until the 64 KB map is full.
/usr/bin/python3 "$(dirname "$0")/../support/make_dmarc_reports.py" --out "$T/fill" --domain acme.example \
    --count 40 --records 60 --scenario bench
i=0
for f in "$T"/fill/new/*.eml; do
    i=$((i + 1))
    "$CLI" -c "$T/small.conf" ingest <"$f" >/dev/null 2>"$T/err"
    rc=$?
    [ "$rc" = 0 ] || break
done
if [ "$rc" = 75 ] && grep -q 'data database is full' "$T/err"; then
    ok "a full data store: exit 75 with 'data database is full' (Postfix retries)"
else
    fail "full store: exit $rc after $i reports ($(cat "$T/err"))"
fi

# ---------------------------------------------------------------- org, stats
sw org status acme --json >"$T/st.json" 2>&1
st=$("$PY" -c 'import json,sys; o=json.load(open(sys.argv[1])); print(o["state"], o["unmatched"], o["bounced"])' "$T/st.json")
[ "$st" = "active 5 0" ] && ok "org status --json: $st (unmatched reports do not move the rate)" || fail "org status: $st"
sw org pause acme --reason "list cleanup" >"$T/p.out" 2>"$T/p.err" && grep -q 'audit: user=.* org pause acme reason="list cleanup"' "$T/p.err" \
    && ok "org pause: done and audited" || fail "org pause: $(cat "$T/p.out" "$T/p.err")"
if grep -qx -- '-i -f sw@acme.example -- ops@acme.example' "$T/sendmail.args" 2>/dev/null \
        && grep -q 'Subject: \[sendwarden\] org acme paused: list cleanup' "$T/sendmail.msg"; then
    ok "org pause: the contact is e-mailed through sendmail_path"
else
    fail "org pause: no notice ($(cat "$T/p.out"))"
fi
[ "$("$PY" -c 'import json,sys; print(json.load(sys.stdin)["state"])' < <(sw org status acme --json))" = paused ] \
    && ok "org status: paused" || fail "org status after pause"
# a bounce of mail from a sender of no org counts under org "" in stats
dsn zoe@remote.example 5.1.1 "550 5.1.1 unknown" | sed 's/^From: alice@acme.example/From: someone@elsewhere.example/' \
    | sw ingest >/dev/null 2>&1
sw stats --json >"$T/stats.json" 2>"$T/stats.err" || fail "stats --json: exit $? ($(cat "$T/stats.err"))"
"$PY" -c 'import json,sys; o=json.load(open(sys.argv[1])); a=[x for x in o["orgs"] if x["org"]=="acme"][0]; sys.exit(0 if a["state"]=="paused" and "total" in o else 1)' "$T/stats.json" \
    && ok "stats --json: acme paused, totals present" || fail "stats --json: $(cat "$T/stats.json")"
sw org resume acme >"$T/r.out" 2>"$T/r.err" && grep -q 'audit: user=.* org resume acme' "$T/r.err" \
    && ok "org resume: done and audited" || fail "org resume: $(cat "$T/r.out" "$T/r.err")"
sw org resume acme 2>/dev/null | grep -q 'was not paused' && ok "org resume again: says it was not paused" || fail "org resume again"
sw org pause 'bad/org' --reason x >/dev/null 2>&1
[ $? = 64 ] && ok "org pause of a bad name: exit 64" || fail "org pause bad name: not 64"

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
