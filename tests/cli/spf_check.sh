#!/bin/bash
# spf_check.sh — `sendwarden spf check` against a small SPF zone served by a
# dnsmasq this script starts on 127.0.0.1 (a free port; auth mode, so
# negative answers carry an SOA). Nothing resolves off the machine.
#
# usage: tests/cli/spf_check.sh [BUILDDIR]      (BUILDDIR defaults to ".")
#
# Checks every result word the zone can produce, the explanation line, the
# null sender (HELO identity), IPv4-mapped clients, PTR in 192.0.2.0/24 (a
# zone libunbound would answer itself), --json, and the exit statuses of
# usage and configuration errors. Runs the same cases for each engine;
# engines this build does not have are skipped, loudly, case by case.
# One "ok"/"FAIL"/"SKIP" line per assertion, then a summary.
# Exit: 0 all passed, 1 a failure, 77 skipped (no dnsmasq).
set -u
export LC_ALL=C

BUILDDIR=${1:-.}
DNSMASQ=/usr/sbin/dnsmasq
PY=/usr/bin/python3
[ -x "$DNSMASQ" ] || { echo "SKIP: $DNSMASQ not installed (Debian package dnsmasq-base)"; exit 77; }
[ -x "$PY" ] || PY=$(command -v python3) || { echo "SKIP: no python3"; exit 77; }
CLI=$BUILDDIR/src/cli/sendwarden
[ -x "$CLI" ] || { echo "FAIL: $CLI not built"; exit 1; }

PASSED=0 FAILED=0 SKIPPED=0
ok()   { PASSED=$((PASSED + 1)); echo "ok - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $*"; }
skip() { SKIPPED=$((SKIPPED + 1)); echo "SKIP - $*"; }

T=$(mktemp -d "${TMPDIR:-/tmp}/sw-spf-check.XXXXXX")
DNS_PID=""
cleanup() {
    if [ -n "$DNS_PID" ]; then
        kill "$DNS_PID" 2>/dev/null
        wait "$DNS_PID" 2>/dev/null
    fi
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ------------------------------------------------------------------ the zone
start_dns() {
    PORT=$("$PY" "$(dirname "$0")/../support/free_dns_port.py")
    local user=()
    [ "$(id -u)" = 0 ] && user=(--user=root)
    "$DNSMASQ" --no-daemon --no-resolv --no-hosts --conf-file=/dev/null --pid-file= "${user[@]}" \
        --port="$PORT" --listen-address=127.0.0.1 --bind-interfaces \
        --auth-server=ns.test,127.0.0.1 --auth-zone=test,192.0.2.0/24,203.0.113.0/24 --auth-soa=1,hostmaster.test \
        --txt-record=pass.test,"v=spf1 ip4:192.0.2.0/24 -all" \
        --txt-record=soft.test,"v=spf1 ip4:192.0.2.1 ~all" \
        --txt-record=neutral.test,"v=spf1 ?all" \
        --txt-record=exp.test,"v=spf1 -all exp=why.exp.test" \
        --txt-record=why.exp.test,"%{i} may not send mail for %{d}" \
        --txt-record=include.test,"v=spf1 include:pass.test -all" \
        --txt-record=broken.test,"v=spf1 ip4:192.0.2.300 -all" \
        --txt-record=ptr.test,"v=spf1 ptr -all" \
        --host-record=host.ptr.test,192.0.2.9 \
        --txt-record=mx.test,"v=spf1 mx -all" \
        --mx-host=mx.test,mail.mx.test,10 \
        --host-record=mail.mx.test,203.0.113.25 \
        --txt-record=helo.test,"v=spf1 ip4:192.0.2.80 -all" \
        --host-record=nospf.test,192.0.2.99 \
        2>"$T/dnsmasq.log" &
    DNS_PID=$!
    local i
    for i in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then return 0; fi
        kill -0 "$DNS_PID" 2>/dev/null || break
        sleep 0.05
    done
    wait "$DNS_PID" 2>/dev/null
    DNS_PID=""
    return 1
}
for attempt in 1 2 3; do start_dns && break; done
[ -n "$DNS_PID" ] || { echo "FAIL: dnsmasq did not start"; cat "$T/dnsmasq.log"; exit 1; }

write_conf() {  # write_conf FILE ENGINE [SERVER]
    printf '[dns]\nserver = %s\ntimeout = 3s\n\n[milter]\nspf_engine = %s\n' "${3:-127.0.0.1:$PORT}" "$2" >"$1"
}

# expect ENGINE LABEL "WANT_STDOUT" ARGS...: stdout must equal WANT_STDOUT
# (lines joined by '|') and the exit status must be 0.
expect() {
    local engine=$1 label=$2 want=$3
    shift 3
    local out rc
    out=$("$CLI" -c "$T/$engine.conf" spf check "$@" 2>"$T/err")
    rc=$?
    if [ "$rc" = 78 ] && grep -q "not available" "$T/err"; then
        skip "$engine: $label (engine not in this build)"
        return
    fi
    out=$(printf '%s' "$out" | paste -sd '|')
    if [ "$rc" = 0 ] && [ "$out" = "$want" ]; then
        ok "$engine: $label"
    else
        fail "$engine: $label: exit $rc, got '$out', want '$want' ($(head -1 "$T/err"))"
    fi
}

for engine in libspf2 builtin; do
    write_conf "$T/$engine.conf" "$engine"
    expect $engine "pass"                "pass"     --ip 192.0.2.10 --mail-from alice@pass.test --helo mx.client.test
    expect $engine "fail"                "fail"     --ip 203.0.113.1 --mail-from alice@pass.test --helo mx.client.test
    expect $engine "softfail"            "softfail" --ip 203.0.113.1 --mail-from bob@soft.test --helo mx.client.test
    expect $engine "neutral"             "neutral"  --ip 203.0.113.1 --mail-from bob@neutral.test --helo mx.client.test
    expect $engine "none: no SPF record" "none"     --ip 192.0.2.10 --mail-from x@nospf.test --helo mx.client.test
    expect $engine "none: no such domain" "none"    --ip 192.0.2.10 --mail-from x@nothing.test --helo mx.client.test
    expect $engine "permerror"           "permerror" --ip 192.0.2.10 --mail-from x@broken.test --helo mx.client.test
    expect $engine "temperror: server refuses" "temperror" --ip 192.0.2.10 --mail-from x@outside.example --helo mx.client.test
    expect $engine "fail with exp= explanation" "fail|203.0.113.7 may not send mail for exp.test" \
        --ip 203.0.113.7 --mail-from x@exp.test --helo mx.client.test
    expect $engine "include"             "pass"     --ip 192.0.2.11 --mail-from x@include.test --helo mx.client.test
    expect $engine "mx"                  "pass"     --ip 203.0.113.25 --mail-from x@mx.test --helo mx.client.test
    expect $engine "ptr in 192.0.2.0/24" "pass"     --ip 192.0.2.9 --mail-from x@ptr.test --helo mx.client.test
    expect $engine "ptr mismatch"        "fail"     --ip 192.0.2.8 --mail-from x@ptr.test --helo mx.client.test
    expect $engine "IPv4-mapped client"  "pass"     --ip ::ffff:192.0.2.10 --mail-from alice@pass.test --helo mx.client.test
    expect $engine "null sender ''"      "pass"     --ip 192.0.2.80 --mail-from '' --helo helo.test
    expect $engine "null sender <>"      "fail"     --ip 192.0.2.81 --mail-from '<>' --helo helo.test
    expect $engine "--json pass"         '{"result":"pass","explanation":""}' \
        --ip 192.0.2.10 --mail-from alice@pass.test --helo mx.client.test --json
    expect $engine "--json fail with explanation" \
        '{"result":"fail","explanation":"203.0.113.7 may not send mail for exp.test"}' \
        --ip 203.0.113.7 --mail-from x@exp.test --helo mx.client.test --json
done

# ------------------------------------------------------------------ exit statuses
status() {  # status WANT LABEL CONF ARGS...
    local want=$1 label=$2 conf=$3
    shift 3
    "$CLI" -c "$conf" spf "$@" >/dev/null 2>&1
    local rc=$?
    if [ "$rc" = "$want" ]; then ok "exit $want: $label"; else fail "exit $want: $label: got $rc"; fi
}
status 64 "no --ip"            "$T/libspf2.conf" check --mail-from a@pass.test
status 64 "no subcommand"      "$T/libspf2.conf" --ip 192.0.2.1
status 64 "unknown option"     "$T/libspf2.conf" check --ip 192.0.2.1 --mail-from a@pass.test --frobnicate
status 64 "null sender, no HELO" "$T/libspf2.conf" check --ip 192.0.2.1 --mail-from ''
write_conf "$T/badserver.conf" libspf2 "dns.example:53"
status 78 "[dns] server not an address" "$T/badserver.conf" check --ip 192.0.2.1 --mail-from a@pass.test
write_conf "$T/badengine.conf" pyspf
status 78 "unknown spf_engine" "$T/badengine.conf" check --ip 192.0.2.1 --mail-from a@pass.test
status 78 "missing config file" "$T/nonexistent.conf" check --ip 192.0.2.1 --mail-from a@pass.test

# check-config checks the [milter] settings as the milter does at start
write_conf "$T/badmilter.conf" builtin
printf 'dkim_engine = fast\nspf_fail_action = bounce\n[global]\npolicy_dir = %s\n' "$T/policy" >>"$T/badmilter.conf"
mkdir -p "$T/policy" && : >"$T/policy/limits" && : >"$T/policy/orgs"
"$CLI" -c "$T/badmilter.conf" check-config >"$T/cc.out" 2>"$T/cc.err"
rc=$?
if [ "$rc" = 78 ] && grep -q "dkim_engine: 'fast' is not builtin or libopendkim" "$T/cc.err" &&
    grep -q "spf_fail_action: 'bounce' is not reject, tempfail or tag" "$T/cc.err"; then
    ok "check-config refuses a bad [milter] dkim_engine and spf_fail_action (exit 78, each named)"
else
    fail "check-config on bad [milter] settings: exit $rc: $(tr '\n' '|' <"$T/cc.err")"
fi

echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" = 0 ]
