#!/bin/bash
# keys_rotation.sh — the DKIM key rotation commands against a dnsmasq this
# script starts on 127.0.0.1 (nothing resolves off the machine):
# `sendwarden keygen` (files, modes, the TXT line, no overwrite),
# `sendwarden keys status [--dns]`, and `sendwarden keys activate`, which must
# refuse a selector whose record is missing or holds another key, switch a
# published one (the table is rewritten: new active, old standby, comments
# kept) and switch anyway with --force. keygen and every switch leave an
# audit line and an audit event (`sendwarden audit`); a refusal leaves none.
#
# usage: tests/cli/keys_rotation.sh [BUILDDIR]      (BUILDDIR defaults to ".")
# Exit: 0 all passed, 1 a failure, 77 skipped (no dnsmasq).
set -u
export LC_ALL=C

BUILDDIR=${1:-.}
DNSMASQ=/usr/sbin/dnsmasq
PY=/usr/bin/python3
[ -x "$DNSMASQ" ] || { echo "SKIP: $DNSMASQ not installed (Debian package dnsmasq-base)"; exit 77; }
CLI=$BUILDDIR/src/cli/sendwarden
[ -x "$CLI" ] || { echo "FAIL: $CLI not built"; exit 1; }

PASSED=0 FAILED=0
ok()   { PASSED=$((PASSED + 1)); echo "ok - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $*"; }
check() {  # check LABEL COMMAND...: COMMAND must succeed
    local label=$1; shift
    if "$@" >"$T/check.out" 2>&1; then ok "$label"; else fail "$label: $(cat "$T/check.out")"; fi
}

T=$(mktemp -d "${TMPDIR:-/tmp}/sw-keys.XXXXXX")
chmod 700 "$T"
DNS_PID=""
stop_dns() {
    [ -n "$DNS_PID" ] || return 0
    kill "$DNS_PID" 2>/dev/null
    wait "$DNS_PID" 2>/dev/null
    DNS_PID=""
}
trap 'stop_dns; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP

PORT=$("$PY" "$(dirname "$0")/../support/free_dns_port.py")
mkdir -p "$T/policy" "$T/state"
printf '[global]\npolicy_dir = %s/policy\n[store]\nstate_dir = %s/state\n[dns]\nserver = 127.0.0.1:%s\ntimeout = 3s\n' \
    "$T" "$T" "$PORT" >"$T/sendwarden.conf"
WHO="user=$(id -un)( sudo_user=[^ ]+)?"
# audited WHAT FILE: the audit line in FILE and the event in the trail
audited() {
    grep -qE "audit: $WHO $1\$" "$2" &&
        "$CLI" -c "$T/sendwarden.conf" audit | grep -qE "^[0-9]+ [0-9T:-]+Z $WHO $1\$"
}
: >"$T/policy/limits"
: >"$T/policy/orgs"

# ------------------------------------------------------------------ keygen
gen() {  # gen SELECTOR ALGORITHM: key in $T/keys, stdout in $T/SELECTOR.out, stderr in .err
    "$CLI" -c "$T/sendwarden.conf" keygen --domain acme.test --selector "$1" --algorithm "$2" \
        --dir "$T/keys" >"$T/$1.out" 2>"$T/$1.err"
}
check "keygen rsa-2048 s1" gen s1 rsa-2048
check "keygen rsa-2048 s2" gen s2 rsa-2048
check "keygen ed25519 e1" gen e1 ed25519
if audited "keygen domain=acme\.test selector=s1 algorithm=rsa-2048 key=$T/keys/s1\.private" "$T/s1.err" &&
   audited "keygen domain=acme\.test selector=e1 algorithm=ed25519 key=$T/keys/e1\.private" "$T/e1.err"; then
    ok "keygen is audited: line and event name the key file, domain, selector, algorithm"
else
    fail "keygen audit: $(cat "$T/s1.err" "$T/e1.err"; "$CLI" -c "$T/sendwarden.conf" audit)"
fi
if "$CLI" -c "$T/sendwarden.conf" audit --json | grep -q 'PRIVATE\|BEGIN'; then
    fail "the audit trail holds key material"
else
    ok "the audit trail holds no key material"
fi
mode=$(stat -c %a "$T/keys/s1.private")
if [ "$mode" = 600 ] || [ "$mode" = 640 ]; then ok "the key file is mode $mode"; else fail "key file mode $mode"; fi
# the one non-comment line is the record, strings of at most 255 octets
record_line() { grep -v '^;' "$T/$1.out"; }
longest=$(record_line s1 | grep -oE '"[^"]*"' | awk '{ if (length($0) - 2 > m) m = length($0) - 2 } END { print m + 0 }')
if [ "$(grep -vc '^;' "$T/s1.out")" = 1 ] &&
   record_line s1 | grep -q '^s1\._domainkey\.acme\.test\. IN TXT ( "v=DKIM1; k=rsa; p=' &&
   [ "$longest" -le 255 ] && [ "$longest" -gt 200 ]; then
    ok "keygen prints one zone-file TXT line, strings of at most 255 octets (longest $longest)"
else
    fail "keygen's TXT line (longest string $longest): $(record_line s1 | cut -c1-120)"
fi
if "$CLI" keygen --domain acme.test --selector s1 --dir "$T/keys" >/dev/null 2>"$T/over.err"; then
    fail "keygen overwrote an existing key"
else
    rc=$?
    if [ "$rc" = 73 ] && grep -q "never overwritten" "$T/over.err"; then ok "keygen refuses to overwrite (exit 73)"
    else fail "keygen over an existing key: exit $rc, $(cat "$T/over.err")"; fi
fi

{
    echo "# acme's keys"
    echo "acme.test s1 rsa-sha256     $T/keys/s1.private   # current"
    echo "acme.test s2 rsa-sha256     $T/keys/s2.private standby"
    echo "acme.test e1 ed25519-sha256 $T/keys/e1.private"
} >"$T/policy/signing"
check "check-config accepts the signing table and its keys" "$CLI" -c "$T/sendwarden.conf" check-config

# ------------------------------------------------------------------ DNS
# txt_args SELECTOR [NAME]: the --txt-record option serving SELECTOR's record
# (under NAME's selector name when given), one character-string per
# comma-separated text (dnsmasq takes command-line values unquoted)
txt_args() {
    local sel=$1 name=${2:-$1}
    echo "--txt-record=$name._domainkey.acme.test,$(record_line "$sel" | grep -oE '"[^"]*"' | tr -d '"' | paste -sd, -)"
}
start_dns() {  # start_dns --txt-record=... ...
    stop_dns
    local user=()
    [ "$(id -u)" = 0 ] && user=(--user=root)
    "$DNSMASQ" --no-daemon --no-resolv --no-hosts --conf-file=/dev/null --pid-file= "${user[@]}" \
        --port="$PORT" --listen-address=127.0.0.1 --bind-interfaces \
        --auth-server=ns.test,127.0.0.1 --auth-zone=test --auth-soa=1,hostmaster.test "$@" \
        2>"$T/dnsmasq.log" &
    DNS_PID=$!
    local i
    for i in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0
        kill -0 "$DNS_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "FAIL - dnsmasq did not start: $(cat "$T/dnsmasq.log")"
    exit 1
}
start_dns "$(txt_args s1)" "$(txt_args e1)"

"$CLI" -c "$T/sendwarden.conf" keys status --dns >"$T/status.out" 2>&1
rc=$?
if [ "$rc" = 0 ] && grep -qP '^acme\.test\ts1\trsa-sha256\tactive\t0d\tyes\t.*\tpublished$' "$T/status.out" &&
   grep -qP '^acme\.test\ts2\trsa-sha256\tstandby\t0d\tno\t.*no TXT record at s2\._domainkey\.acme\.test' "$T/status.out" &&
   grep -qP '^acme\.test\te1\ted25519-sha256\tactive\t0d\tyes\t.*\tpublished$' "$T/status.out"; then
    ok "keys status --dns: s1 and e1 sign and are published, s2 is standby and unpublished"
else
    fail "keys status --dns (exit $rc): $(cat "$T/status.out")"
fi
"$CLI" -c "$T/sendwarden.conf" keys status --json >"$T/status.json"
if "$PY" -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {r["selector"]: r for r in rows}
assert len(rows) == 3 and by["s1"]["signs"] and not by["s2"]["signs"] and by["s2"]["state"] == "standby"
assert by["e1"]["algorithm"] == "ed25519-sha256" and by["e1"]["age_days"] == 0
' "$T/status.json"; then ok "keys status --json"; else fail "keys status --json: $(cat "$T/status.json")"; fi

cp "$T/policy/signing" "$T/signing.before"
activate() { "$CLI" -c "$T/sendwarden.conf" keys activate --domain acme.test "$@" >"$T/act.out" 2>"$T/act.err"; }
if activate --selector s2; then
    fail "keys activate switched to s2, whose record is not published"
elif grep -q "no TXT record at s2._domainkey.acme.test" "$T/act.err" && cmp -s "$T/signing.before" "$T/policy/signing" &&
     ! grep -q "audit:" "$T/act.err" && ! "$CLI" -c "$T/sendwarden.conf" audit | grep -q "keys activate"; then
    ok "keys activate refuses an unpublished selector, leaves the table alone, audits nothing"
else
    fail "keys activate s2 unpublished: $(cat "$T/act.err")"
fi

# s2's name published, but with s1's key: still refused
start_dns "$(txt_args s1)" "$(txt_args e1)" "$(txt_args s1 s2)"
if activate --selector s2; then
    fail "keys activate switched to s2 although DNS holds another key"
elif grep -q "not the public half of our private key" "$T/act.err"; then
    ok "keys activate refuses a selector whose record holds another key"
else
    fail "keys activate s2 wrong key: $(cat "$T/act.err")"
fi

# s2 published properly: switched, s1 standby, comments kept
start_dns "$(txt_args s1)" "$(txt_args e1)" "$(txt_args s2)"
if activate --selector s2 && grep -q "s2 is now the active rsa-sha256 key of acme.test; s1 is standby" "$T/act.out"; then
    ok "keys activate switches to a published selector"
else
    fail "keys activate s2 published: $(cat "$T/act.out" "$T/act.err")"
fi
if grep -qE "^acme\.test s1 rsa-sha256 +$T/keys/s1\.private standby  # current$" "$T/policy/signing" &&
   grep -qE "^acme\.test s2 rsa-sha256 +$T/keys/s2\.private active$" "$T/policy/signing" &&
   grep -q "^# acme's keys$" "$T/policy/signing" &&
   grep -qE "^acme\.test e1 ed25519-sha256 +$T/keys/e1\.private$" "$T/policy/signing"; then
    ok "the table now has s2 active, s1 standby, e1 and the comments untouched"
else
    fail "rewritten table: $(cat "$T/policy/signing")"
fi
if audited "keys activate domain=acme\.test selector=s2 algorithm=rsa-sha256 table=$T/policy/signing standby=s1" "$T/act.err"; then
    ok "keys activate is audited: line and event"
else
    fail "keys activate audit: $(cat "$T/act.err"; "$CLI" -c "$T/sendwarden.conf" audit)"
fi
check "check-config accepts the rewritten table" "$CLI" -c "$T/sendwarden.conf" check-config

# back to s1 with --force while DNS is down: done, with a warning
stop_dns
if activate --selector s1 --force && grep -q "warning:" "$T/act.err" &&
   grep -qE "^acme\.test s1 .* active  # current$" "$T/policy/signing"; then
    ok "keys activate --force switches without DNS, with a warning"
    audited "keys activate domain=acme\.test selector=s1 algorithm=rsa-sha256 table=$T/policy/signing standby=s2 forced" \
        "$T/act.err" && ok "keys activate --force is audited as forced" || fail "forced audit: $(cat "$T/act.err")"
else
    fail "keys activate --force: $(cat "$T/act.out" "$T/act.err")"
fi
if activate --selector nosuch; then
    fail "activate of an unknown selector succeeded"
elif grep -q "no line for domain acme.test selector nosuch" "$T/act.err"; then
    ok "an unknown selector is named"
else
    fail "unknown selector: $(cat "$T/act.err")"
fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
