#!/bin/bash
# dns_check.sh — `sendwarden dns-check` against a dnsmasq this script starts
# on 127.0.0.1 (nothing resolves off the machine), with a test zone of one
# good domain and broken ones: bad SPF syntax, too many SPF lookups, no
# DMARC record, a DKIM record holding another key, a published key whose
# private key is gone, and a retired selector still published. Checks the
# human lines, the --json fields and the exit status (0, 1, 64, 75).
#
# usage: tests/cli/dns_check.sh [BUILDDIR]      (BUILDDIR defaults to ".")
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

T=$(mktemp -d "${TMPDIR:-/tmp}/sw-dnscheck.XXXXXX")
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
mkdir -p "$T/policy"
cat >"$T/sendwarden.conf" <<EOF
[global]
policy_dir = $T/policy
outbound_ips = 192.0.2.10
[milter]
key_dir = $T/keys
[dns]
server = 127.0.0.1:$PORT
timeout = 2s
EOF
: >"$T/policy/limits"
: >"$T/policy/orgs"

# ------------------------------------------------------------------ keys
gen() {  # gen DOMAIN SELECTOR ALGORITHM: key in $T/keys/DOMAIN, record in $T/DOMAIN-SELECTOR.out
    "$CLI" -c "$T/sendwarden.conf" keygen --domain "$1" --selector "$2" --algorithm "$3" \
        --dir "$T/keys/$1" >"$T/$1-$2.out" || { echo "FAIL - keygen $1 $2"; exit 1; }
}
gen good.test s1 rsa-2048
gen good.test old ed25519
gen badspf.test b1 ed25519
gen toomany.test t1 ed25519
gen mismatch.test m1 ed25519
gen mismatch.test other ed25519
gen lost.test l1 ed25519
{
    echo "good.test     s1 rsa-sha256     $T/keys/good.test/s1.private"
    echo "badspf.test   b1 ed25519-sha256 $T/keys/badspf.test/b1.private"
    echo "toomany.test  t1 ed25519-sha256 $T/keys/toomany.test/t1.private"
    echo "mismatch.test m1 ed25519-sha256 $T/keys/mismatch.test/m1.private"
    echo "lost.test     l1 ed25519-sha256 $T/keys/lost.test/l1.private"
} >"$T/policy/signing"
# mismatch.test publishes another key under m1; old (retired) and l1 lose
# their private keys while DNS keeps publishing them
rm "$T/keys/mismatch.test/other.private" "$T/keys/good.test/old.private" "$T/keys/lost.test/l1.private"

# ------------------------------------------------------------------ zone
# dkim DOMAIN SELECTOR [AS]: the --txt-record option publishing SELECTOR's
# key (under AS's selector name when given), one character-string per
# comma-separated text (dnsmasq takes command-line values unquoted)
dkim() {
    local as=${3:-$2}
    echo "--txt-record=$as._domainkey.$1,$(grep -v '^;' "$T/$1-$2.out" | grep -oE '"[^"]*"' | tr -d '"' | paste -sd, -)"
}
ZONE=(
    "--txt-record=good.test,v=spf1 ip4:192.0.2.10 include:_spf.good.test -all"
    "--txt-record=_spf.good.test,v=spf1 ip4:198.51.100.0/24 ~all"
    "--txt-record=_dmarc.good.test,v=DMARC1; p=none; rua=mailto:dmarc@good.test"
    "$(dkim good.test s1)" "$(dkim good.test old)"

    "--txt-record=badspf.test,v=spf1 ip4:192.0.2.300 -all"
    "--txt-record=_dmarc.badspf.test,v=DMARC1; p=reject; rua=mailto:dmarc@badspf.test"
    "$(dkim badspf.test b1)"

    # 1 + 4 + 5 + 1 = 11 DNS-querying terms; no DMARC record at all
    "--txt-record=toomany.test,v=spf1 ip4:192.0.2.10 include:l1.toomany.test -all"
    "--txt-record=l1.toomany.test,v=spf1 a mx exists:e.toomany.test include:l2.toomany.test ~all"
    "--txt-record=l2.toomany.test,v=spf1 a mx a:x.toomany.test mx:y.toomany.test include:l3.toomany.test ~all"
    "--txt-record=l3.toomany.test,v=spf1 a ~all"
    "$(dkim toomany.test t1)"

    "--txt-record=mismatch.test,v=spf1 ip4:192.0.2.10 ~all"
    "--txt-record=_dmarc.mismatch.test,v=DMARC1; p=quarantine; pct=50; rua=mailto:dmarc@mismatch.test"
    "$(dkim mismatch.test other m1)"

    "--txt-record=lost.test,v=spf1 ip4:192.0.2.10 -all"
    "--txt-record=_dmarc.lost.test,v=DMARC1; p=reject; rua=mailto:dmarc@lost.test"
    "$(dkim lost.test l1)"

    # not in the signing table; its DMARC record is the organisational domain's
    "--txt-record=mail.extra.test,v=spf1 ip4:192.0.2.10 -all"
    "--txt-record=_dmarc.extra.test,v=DMARC1; p=reject; sp=quarantine; rua=mailto:dmarc@extra.test"
)
start_dns() {
    stop_dns
    local user=()
    [ "$(id -u)" = 0 ] && user=(--user=root)
    "$DNSMASQ" --no-daemon --no-resolv --no-hosts --conf-file=/dev/null --pid-file= "${user[@]}" \
        --port="$PORT" --listen-address=127.0.0.1 --bind-interfaces \
        --auth-server=ns.test,127.0.0.1 --auth-zone=test --auth-soa=1,hostmaster.test "${ZONE[@]}" \
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
start_dns

run() {  # run ARGS...: stdout in $T/out, stderr in $T/err, exit status in $RC
    "$CLI" -c "$T/sendwarden.conf" dns-check "$@" >"$T/out" 2>"$T/err"
    RC=$?
}
has() {  # has LINE: $T/out holds LINE exactly, spaces squeezed
    tr -s ' ' <"$T/out" | grep -qxF -- "$1"
}
expect() {  # expect LABEL RC LINE...: exit status RC and every LINE
    local label=$1 want=$2 line missing=""
    shift 2
    for line in "$@"; do has "$line" || missing="$missing\n  missing: $line"; done
    if [ "$RC" = "$want" ] && [ -z "$missing" ]; then ok "$label"
    else fail "$label (exit $RC, want $want)$(printf "$missing" | head -c 2000)\n$(cat "$T/out" "$T/err")"; fi
}

# ------------------------------------------------------------------ good
run good.test
expect "a good domain: every line ok, exit 0" 0 \
    "good.test SPF ok v=spf1 ip4:192.0.2.10 include:_spf.good.test -all (1 lookup)" \
    "good.test SPF ok ends in -all: mail from hosts the record does not list fails" \
    "good.test SPF ok 192.0.2.10 passes (ip4:192.0.2.10)" \
    "good.test DKIM ok s1: active rsa-sha256 key (2048 bits) published at s1._domainkey.good.test and matching our private key" \
    "good.test DMARC ok v=DMARC1; p=none; rua=mailto:dmarc@good.test" \
    "good.test DMARC ok policy none at pct=100, alignment adkim=r aspf=r, aggregate reports to mailto:dmarc@good.test" \
    "good.test DMARC next collect reports and run \`sendwarden dmarc readiness --domain good.test\`, then p=quarantine" \
    "1 domain: 0 errors, 0 warnings"
if grep -qE ' (warning|error) ' "$T/out"; then fail "the good domain has a non-ok line: $(cat "$T/out")"
else ok "the good domain has no warning or error line"; fi

# a retired selector still published, its private key gone: a warning only
run good.test --selector old
expect "--selector of a retired key still published: a warning, exit 0" 0 \
    "good.test DKIM warning old: not in the signing table; old._domainkey.good.test has a key whose private key we do not hold: remove the record, or restore the key if mail is still signed with it" \
    "1 domain: 0 errors, 1 warning"

# a domain the table does not list: SPF and DMARC checked, DKIM warned
run mail.extra.test
expect "a domain outside the signing table" 0 \
    "mail.extra.test SPF ok 192.0.2.10 passes (ip4:192.0.2.10)" \
    "mail.extra.test DKIM warning no selector configured for mail.extra.test in the signing table: its mail is not signed (\`sendwarden keygen --domain mail.extra.test --selector S\`, publish the record, add the line)" \
    "mail.extra.test DMARC ok no record at _dmarc.mail.extra.test; the record of the organisational domain extra.test applies (RFC 7489 §6.6.3)" \
    "mail.extra.test DMARC ok policy quarantine at pct=100 (sp= of extra.test), alignment adkim=r aspf=r, aggregate reports to mailto:dmarc@extra.test"

# ------------------------------------------------------------------ broken
run
expect "every signing domain by default; broken ones exit 1" 1 \
    "good.test SPF ok 192.0.2.10 passes (ip4:192.0.2.10)" \
    "badspf.test SPF error \"v=spf1 ip4:192.0.2.300 -all\": invalid term \"ip4:192.0.2.300\": invalid IPv4 network; receivers return permerror: correct the record" \
    "badspf.test DKIM ok b1: active ed25519-sha256 key published at b1._domainkey.badspf.test and matching our private key" \
    "badspf.test DMARC next none: p=reject at pct=100 is the strictest policy" \
    "toomany.test SPF ok v=spf1 ip4:192.0.2.10 include:l1.toomany.test -all (11 lookups)" \
    "toomany.test SPF error 11 lookups through include and redirect, more than the 10 RFC 7208 §4.6.4 allows: receivers return permerror; replace includes by the ip4:/ip6: ranges they list" \
    "toomany.test DMARC error no DMARC record at _dmarc.toomany.test: publish one, e.g. _dmarc.toomany.test TXT \"v=DMARC1; p=none; rua=mailto:dmarc-reports@toomany.test\"" \
    "mismatch.test SPF ok ends in ~all: mail from hosts the record does not list soft-fails" \
    "mismatch.test DKIM error m1: active ed25519-sha256 key: the record at m1._domainkey.mismatch.test does not match (the published key is not the public half of our private key); verifiers fail every signature it makes: publish the record of $T/keys/mismatch.test/m1.private (expected_record in --json)" \
    "mismatch.test DMARC next raise pct (now 50) step by step to 100 while \`sendwarden dmarc readiness --domain mismatch.test\` stays ready" \
    "5 domains: 5 errors, 0 warnings"
if tr -s ' ' <"$T/out" | grep -qF "lost.test DKIM error l1: DNS publishes a key at l1._domainkey.lost.test but we no longer have its private key ("; then
    ok "a table line whose key file is gone while DNS publishes its key is an error"
else
    fail "lost.test: $(grep lost.test "$T/out")"
fi
# blocks in table order, one blank line between them
if [ "$(grep -c '^$' "$T/out")" = 5 ] &&
   [ "$(grep -v '^$' "$T/out" | cut -d' ' -f1 | uniq | paste -sd' ')" = "good.test badspf.test toomany.test mismatch.test lost.test 5" ]; then
    ok "one block per domain, in signing-table order"
else
    fail "blocks: $(grep -v '^$' "$T/out" | cut -d' ' -f1 | uniq | paste -sd' ')"
fi

run --json
if [ "$RC" = 1 ] && "$PY" - "$T/out" "$T" <<'PYEOF'; then ok "--json: domains, checks, fields; exit 1"; else fail "--json (exit $RC): $(head -c 3000 "$T/out")"; fi
import json, sys
doc = json.load(open(sys.argv[1]))
T = sys.argv[2]
by = {d["domain"]: d for d in doc["domains"]}
assert list(by) == ["good.test", "badspf.test", "toomany.test", "mismatch.test", "lost.test"], list(by)
assert doc["errors"] == 5 and doc["warnings"] == 0 and doc["temporary"] == 0, doc
g = by["good.test"]
assert g["status"] == "ok"
assert all(f["level"] == "ok" and f["check"] in ("spf", "dkim", "dmarc") for f in g["findings"])
assert g["spf"] == {"record": "v=spf1 ip4:192.0.2.10 include:_spf.good.test -all", "lookups": 1,
                    "lookups_complete": True, "ending": "-all"}, g["spf"]
s1 = g["dkim"]["selectors"][0]
assert (s1["selector"], s1["source"], s1["state"], s1["algorithm"], s1["published"], s1["have_key"]) == \
    ("s1", "table", "active", "rsa-sha256", "match", True), s1
assert s1["keyfile"] == T + "/keys/good.test/s1.private" and s1["expected_record"].startswith("v=DKIM1; k=rsa; p=")
dm = g["dmarc"]
assert (dm["found_at"], dm["policy"], dm["p"], dm["sp"], dm["pct"], dm["rua"], dm["adkim"], dm["aspf"]) == \
    ("_dmarc.good.test", "none", "none", None, 100, ["mailto:dmarc@good.test"], "r", "r"), dm
assert "dmarc readiness --domain good.test" in dm["next_step"]
assert by["badspf.test"]["status"] == "error" and by["badspf.test"]["spf"]["record"] == "v=spf1 ip4:192.0.2.300 -all"
t = by["toomany.test"]
assert t["spf"]["lookups"] == 11 and t["dmarc"]["found_at"] == "" and t["dmarc"]["policy"] is None
m = by["mismatch.test"]
assert m["dkim"]["selectors"][0]["published"] == "mismatch" and m["dmarc"]["pct"] == 50
assert [f["level"] for f in m["findings"] if f["check"] == "dkim"] == ["error"]
l1 = by["lost.test"]["dkim"]["selectors"][0]
assert l1["published"] == "key" and not l1["have_key"] and l1["expected_record"] == "", l1
PYEOF

# ------------------------------------------------------------------ usage
run "not a domain"
if [ "$RC" = 64 ] && grep -q "is not a domain name" "$T/err"; then ok "a bad domain is a usage error (64)"
else fail "bad domain: exit $RC $(cat "$T/err")"; fi
run good.test --selector "a/b"
if [ "$RC" = 64 ] && grep -q "is not a DKIM selector" "$T/err"; then ok "a bad selector is a usage error (64)"
else fail "bad selector: exit $RC $(cat "$T/err")"; fi
run --frobnicate
if [ "$RC" = 64 ]; then ok "an unknown option is a usage error (64)"; else fail "unknown option: exit $RC"; fi

# ------------------------------------------------------------------ DNS down
stop_dns
start=$(date +%s)
run good.test
if [ "$RC" = 75 ] && grep -q "try again" "$T/out" && grep -q "DNS failures: try again" "$T/out"; then
    ok "DNS unreachable: exit 75 ($(( $(date +%s) - start ))s)"
else
    fail "DNS down: exit $RC $(cat "$T/out" "$T/err")"
fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
