#!/bin/bash
# postfix_milter.sh — end-to-end test of sendwarden-milter behind a real Postfix.
#
# usage: tests/e2e/postfix_milter.sh [BUILDDIR]      (BUILDDIR defaults to ".")
#
# Starts, all under one mktemp -d directory and on loopback only:
#   - dnsmasq on 127.0.0.1 (a free port) with the SPF zone of the test; the
#     milter's resolver is pointed at it ([dns] server), nothing else resolves;
#   - the real BUILDDIR/src/milter/sendwarden-milter on inet 127.0.0.1, with
#     keys made by `sendwarden keygen` and its own signing table;
#   - smtp-sink as the only next hop, keeping every delivered message;
#   - a private Postfix instance whose smtpd uses the milter (tempfail when it
#     is unreachable).
# internal_hosts is 10.99.0.0/16, so 127.0.0.1 is not internal: only XCLIENT
# LOGIN=... sessions are outbound (signed); XCLIENT ADDR=... plays inbound
# clients (SPF-checked). Checks:
#   a. outbound mail of acme.example carries an RSA and an Ed25519 signature
#      that dkimpy and Perl Mail::DKIM both verify against the TXT records
#      keygen printed (no DNS), and both reject a copy with one body byte
#      changed (Debian 12's Mail::DKIM has no Ed25519: then it must pass the
#      RSA signature and call the Ed25519 one unsupported);
#   b. mail of a From: domain without a key passes unsigned, and the log says why;
#   c. inbound SPF pass is tagged (Received-SPF, Authentication-Results), a
#      forged Authentication-Results with our authserv-id is removed, SPF fail
#      is refused 550 5.7.23 at MAIL FROM, and after switching
#      spf_fail_action to tag (SIGUSR1) tagged instead;
#   d. max_sessions_per_client = 2: a 3rd concurrent session is refused with
#      a temporary error, and once one of the two QUITs a new one is served;
#   e. SIGHUP picks up a new signing-table line; a broken table keeps the old
#      one and logs where it is broken; with dkim_engine = libopendkim (a
#      reload) the same keys sign and both verifiers agree;
#   f. a private key of mode 0644 keeps the milter from starting, naming the
#      file and the fix.
# One "ok"/"FAIL" line per assertion, then "N passed, M failed".
#
# Exit: 0 all passed, 1 a failure, 77 skipped (not root, or Postfix, dnsmasq,
# python3-dkim, python3-nacl or libmail-dkim-perl missing).
# Environment: E2E_KEEP=1 keeps the temporary directory for inspection.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
BUILDDIR=${1:-.}
DKIM_PY=$HERE/dkim_check.py
DKIM_PL=$HERE/dkim_check.pl
DNSMASQ=/usr/sbin/dnsmasq
. "$HERE/lib.sh"

# ------------------------------------------------------------------ prerequisites
e2e_require
[ -x "$DNSMASQ" ] || { echo "SKIP: $DNSMASQ not installed (Debian package dnsmasq-base)"; exit 77; }
"$PY" -c 'import dkim, nacl' 2>/dev/null \
    || { echo "SKIP: dkimpy with Ed25519 missing (Debian packages python3-dkim python3-nacl)"; exit 77; }
perl -MMail::DKIM::Verifier -e 1 2>/dev/null \
    || { echo "SKIP: Mail::DKIM missing (Debian package libmail-dkim-perl)"; exit 77; }
# Mail::DKIM before upstream's Ed25519 support (Debian 12 has 1.20230212)
# cannot check ed25519-sha256 at all: its word for such a signature is then
# "unsupported", and it checks the RSA ones only.
if perl -MMail::DKIM::Signature -e \
        'exit(Mail::DKIM::Signature->new->get_algorithm_class("ed25519-sha256") ? 0 : 1)' 2>/dev/null; then
    PL_ED25519=pass PL_ED25519_BAD=fail
else
    PL_ED25519=unsupported PL_ED25519_BAD=unsupported
    echo "# note: Mail::DKIM $(perl -MMail::DKIM -e 'print $Mail::DKIM::VERSION') has no ed25519-sha256: it checks the RSA signatures only"
fi
MILTER=$(e2e_binary src/milter/sendwarden-milter) || exit 1
CLI=$(e2e_binary src/cli/sendwarden) || exit 1

MILTER_PID="" DNS_PID=""
e2e_setup milter
LOG_FILES=(milter.log dnsmasq.log "${LOG_FILES[@]}")
mkdir -p "$T/policy" "$T/keys"

read -r SMTP_PORT SINK_PORT MILTER_PORT DNS_PORT SPARE_PORT < <(free_ports 5)
[ -n "${SPARE_PORT:-}" ] || die "could not pick free loopback ports"
echo "# temp dir $T, smtpd 127.0.0.1:$SMTP_PORT, sink :$SINK_PORT, milter :$MILTER_PORT, dns :$DNS_PORT"

AUTHSERV=mx.e2e.sendwarden.test
RCPT='rcpt+{tag}@remote.example'

# ------------------------------------------------------------------ configuration
# write_conf SPF_FAIL_ACTION [DKIM_ENGINE]: the milter's sendwarden.conf
write_conf() {
    cat > "$T/sendwarden.conf" <<EOF
[global]
policy_dir = $T/policy

[dns]
server = 127.0.0.1:$DNS_PORT
timeout = 3s

[milter]
socket = inet:$MILTER_PORT@127.0.0.1
internal_hosts = 10.99.0.0/16
authserv_id = $AUTHSERV
spf_fail_action = $1
max_sessions_per_client = 2
dkim_engine = ${2:-builtin}
EOF
}
write_conf reject

# keys: two for acme.example (in the table from the start), one for
# beta.example (added in part e). The zone lines keygen prints are the DNS of
# the verifiers.
keygen() {   # keygen DOMAIN SELECTOR ALGORITHM
    "$CLI" -c "$T/sendwarden.conf" keygen --domain "$1" --selector "$2" --algorithm "$3" \
        --dir "$T/keys/$1" >>"$T/zone" 2>>"$T/keygen.err" \
        || die "sendwarden keygen --domain $1 --selector $2 --algorithm $3: $(cat "$T/keygen.err")"
}
keygen acme.example e2er rsa-2048
keygen acme.example e2ee ed25519
keygen beta.example e2eb ed25519
if [ "$(grep -c '^e2e[reb]\._domainkey\.[a-z]*\.example\. IN TXT' "$T/zone")" = 3 ]; then
    ok "sendwarden keygen wrote 3 keys and printed their TXT records"
else
    fail "sendwarden keygen printed 3 TXT records ($(grep -v '^;' "$T/zone" | cut -c 1-80 | tr '\n' '|'))"
fi
signing_line() { echo "$1 $2 $3 $T/keys/$1/$2.private"; }
ACME_LINES="$(signing_line acme.example e2er rsa-sha256)
$(signing_line acme.example e2ee ed25519-sha256)"
printf '# signing table of the e2e test\n%s\n' "$ACME_LINES" > "$T/policy/signing"

# ------------------------------------------------------------------ dnsmasq
# auth mode (negative answers carry an SOA, which libunbound needs)
start_dns() {
    "$DNSMASQ" --no-daemon --no-resolv --no-hosts --conf-file=/dev/null --pid-file= --user=root \
        --port="$DNS_PORT" --listen-address=127.0.0.1 --bind-interfaces \
        --auth-server=ns.example,127.0.0.1 --auth-zone=example --auth-soa=1,hostmaster.example \
        --txt-record=spf.example,"v=spf1 ip4:192.0.2.10 -all" \
        --txt-record=caps.example,"v=spf1 ip4:127.0.0.1 -all" \
        2>>"$T/dnsmasq.log" &
    DNS_PID=$!
    track_pid "$DNS_PID"
}
dns_up() { listening "$DNS_PORT" || ! alive "$DNS_PID"; }
start_dns
wait_for 5 dns_up
alive "$DNS_PID" && listening "$DNS_PORT" || die "dnsmasq did not start on 127.0.0.1:$DNS_PORT"
spf_cli() { "$CLI" -c "$T/sendwarden.conf" spf check --ip "$1" --mail-from "$2" --helo mail.spf.example 2>&1 | head -n 1; }
got_pass=$(spf_cli 192.0.2.10 x@spf.example) got_fail=$(spf_cli 192.0.2.99 x@spf.example)
if [ "$got_pass" = pass ] && [ "$got_fail" = fail ]; then
    ok "dnsmasq serves the SPF zone: sendwarden spf check says pass for 192.0.2.10, fail for 192.0.2.99"
else
    fail "sendwarden spf check against dnsmasq: got '$got_pass' and '$got_fail', want pass and fail"
fi

# ------------------------------------------------------------------ the milter
milter_up() { listening "$MILTER_PORT" || ! alive "$MILTER_PID"; }
"$MILTER" -c "$T/sendwarden.conf" --foreground >>"$T/milter.log" 2>&1 &
MILTER_PID=$!
track_pid "$MILTER_PID"
wait_for 10 milter_up
alive "$MILTER_PID" && listening "$MILTER_PORT" || die "sendwarden-milter did not start on 127.0.0.1:$MILTER_PORT"
# the socket listens before the keys are loaded (they are read as the user we
# run as): wait for the line rather than look once
if wait_for 10 grep -q 'ready: .*2 signing keys' "$T/milter.log"; then
    ok "sendwarden-milter started with 2 signing keys"
else
    fail "sendwarden-milter logged 'ready: ... 2 signing keys' ($(tail -n 2 "$T/milter.log" | tr '\n' ' '))"
fi

# ------------------------------------------------------------------ sink and Postfix
start_sink "$SINK_PORT"
write_postfix_config "$SMTP_PORT" "$SINK_PORT" <<EOF
# XCLIENT ADDR=... clients are not in mynetworks: they may only reach remote.example
relay_domains = remote.example
smtpd_relay_restrictions = permit_mynetworks, permit_auth_destination, reject
smtpd_milters = inet:127.0.0.1:$MILTER_PORT
milter_default_action = tempfail
EOF
start_postfix "$SMTP_PORT"

# ------------------------------------------------------------------ helpers
# delivered TAG: wait for message TAG at the sink; its copy without smtp-sink's
# fields is then $T/TAG.eml
delivered() {
    local f
    wait_delivered 15 "$1" || return 1
    f=$(sink_file "$1") && "$PY" "$DKIM_PY" strip "$f" "$T/$1.eml"
}
# fields TAG NAME: the header fields NAME of the delivered TAG, unfolded
fields() { "$PY" "$DKIM_PY" fields "$T/$1.eml" "$2"; }
# verify_py / verify_pl FILE: the verifiers' lines land in $T/FILE.py / .pl
verify_py() { "$PY" "$DKIM_PY" verify "$T/zone" "$T/$1" >"$T/$1.py" 2>&1; }
verify_pl() { perl "$DKIM_PL" "$T/zone" "$T/$1" >"$T/$1.pl" 2>&1; }
# logged SECONDS PATTERN: the milter log gets a line matching PATTERN (ERE)
logged() { wait_for "$1" grep -Eq -- "$2" "$T/milter.log"; }
# reload PATTERN [SIGNAL]: SIGNAL (USR1), then wait for the first new log line matching PATTERN
reload() {
    local before
    before=$(wc -l < "$T/milter.log")
    kill -"${2:-USR1}" "$MILTER_PID"
    reloaded() { tail -n "+$((before + 1))" "$T/milter.log" | grep -Eq -- "$1"; }
    wait_for 5 reloaded "$1"
}
one_line() { tr '\n' '|' < "$1" | cut -c 1-300; }
# sig_word FILE ALGORITHM: a verifier's word (pass, fail, unsupported) for the
# signatures with a=ALGORITHM in its output FILE, one line each
sig_word() { sed -n "s/^a=$2 [^ ]* [^ ]* \([a-z]*\).*/\1/p" "$1"; }
# expect_words py|pl FILE RSA-WORD ED25519-WORD DESCRIPTION: what a verifier
# said of the rsa-sha256 and of the ed25519-sha256 signature of $T/FILE
expect_words() {
    local out=$T/$2.$1
    if [ "$(sig_word "$out" rsa-sha256)" = "$3" ] && [ "$(sig_word "$out" ed25519-sha256)" = "$4" ]; then
        ok "$5: $(one_line "$out")"
    else
        fail "$5: want rsa-sha256 $3, ed25519-sha256 $4 (got: $(one_line "$out"))"
    fi
}
# spf_result RESULT: stdin has our Authentication-Results with spf=RESULT for
# x@spf.example (RFC 8601: a comment may follow the result)
spf_result() { grep -Eq "^$AUTHSERV; spf=$1( \([^)]*\))? smtp\.mailfrom=x@spf\.example$"; }

# ------------------------------------------------------------------ a. DKIM signing
send a alice@acme.example alice@acme.example "$RCPT" 1 || die "SMTP session a failed"
if accepted a-1; then ok "a: alice@acme.example (XCLIENT LOGIN) accepted"
else fail "a: alice@acme.example accepted ($(got a-1))"; fi
if delivered a-1; then
    ok "a: delivered to smtp-sink"
    sigs=$(fields a-1 DKIM-Signature)
    algs=$(grep -o '\ba=[a-z0-9-]*' <<<"$sigs" | sort | tr '\n' ' ')
    if [ "$(grep -c . <<<"$sigs")" = 2 ] && [ "$algs" = "a=ed25519-sha256 a=rsa-sha256 " ]; then
        ok "a: two DKIM-Signature fields, a=rsa-sha256 and a=ed25519-sha256"
    else
        fail "a: two DKIM-Signature fields, rsa-sha256 and ed25519-sha256 (got: $algs)"
    fi
    check "a: both signatures have d=acme.example and the selectors of the table" \
        test "$(grep -o '\bs=e2e[re]\b' <<<"$sigs" | sort | tr '\n' ' ')$(grep -c 'd=acme\.example;' <<<"$sigs")" = "s=e2ee s=e2er 2"
    verify_py a-1.eml; expect_words py a-1.eml pass pass "a: dkimpy verifies both signatures"
    verify_pl a-1.eml; expect_words pl a-1.eml pass "$PL_ED25519" "a: Mail::DKIM verifies the signatures"
    "$PY" "$DKIM_PY" tamper "$T/a-1.eml" "$T/a-1.bad.eml"
    verify_py a-1.bad.eml
    expect_words py a-1.bad.eml fail fail "a: dkimpy fails both signatures of a copy with one body byte changed"
    verify_pl a-1.bad.eml
    expect_words pl a-1.bad.eml fail "$PL_ED25519_BAD" "a: Mail::DKIM fails the changed copy"
    check "a: outbound mail gets no Received-SPF or Authentication-Results" \
        test -z "$(fields a-1 Received-SPF)$(fields a-1 Authentication-Results)"
else
    fail "a: delivered to smtp-sink (queue: $(postqueue -c "$CONF" -p 2>&1 | tail -n 3 | tr '\n' ' '))"
fi
check "a: the milter logged 'signed: d=acme.example s=e2er a=rsa-sha256, d=acme.example s=e2ee a=ed25519-sha256'" \
    logged 3 'signed: d=acme\.example s=e2er a=rsa-sha256, d=acme\.example s=e2ee a=ed25519-sha256'

# ------------------------------------------------------------------ b. no key
send b bob@other.example bob@other.example "$RCPT" 1 || die "SMTP session b failed"
if accepted b-1 && delivered b-1; then
    ok "b: bob@other.example (no key) accepted and delivered"
    check "b: no DKIM-Signature on mail of other.example" test -z "$(fields b-1 DKIM-Signature)"
else
    fail "b: bob@other.example accepted and delivered ($(got b-1))"
fi
check "b: the milter logged 'not signed: no signing key for other.example'" \
    logged 3 'not signed: no signing key for other\.example'

# ------------------------------------------------------------------ c. SPF of inbound mail
# two forged fields (one folded, with a comment and another case) around a
# field of another authserv-id, which must stay
FORGED="Authentication-Results: $AUTHSERV; spf=pass smtp.mailfrom=forged@spf.example"
FOREIGN="Authentication-Results: other.example; spf=fail smtp.mailfrom=x@spf.example"
FORGED2=$'Authentication-Results: (forged) MX.E2E.SendWarden.Test;\r\n\tdkim=pass header.d=forged.example'
send c '' x@spf.example "$RCPT" 1 --xclient "ADDR=192.0.2.10 NAME=mail.spf.example" \
    --helo mail.spf.example --header "$FORGED" --header "$FOREIGN" --header "$FORGED2" \
    || die "SMTP session c failed"
if accepted c-1 && delivered c-1; then
    ok "c: inbound mail from 192.0.2.10 (SPF pass) accepted and delivered"
    check "c: Received-SPF: pass" grep -q '^pass ' <(fields c-1 Received-SPF)
    ours=$(fields c-1 Authentication-Results | grep -i "^$AUTHSERV;")
    if spf_result pass <<<"$ours"; then
        ok "c: Authentication-Results: $ours"
    else
        fail "c: Authentication-Results: $AUTHSERV; spf=pass smtp.mailfrom=x@spf.example (got '$ours')"
    fi
    if [ "$(fields c-1 Authentication-Results | grep -ic "$AUTHSERV;")" = 1 ] && ! grep -q forged <<<"$ours"; then
        ok "c: both forged Authentication-Results claiming authserv-id $AUTHSERV are gone, ours is the only one"
    else
        fail "c: only our Authentication-Results left (got: $(tr '\n' '|' <<<"$ours"))"
    fi
    check "c: the Authentication-Results of another authserv-id is kept" \
        grep -qx "other.example; spf=fail smtp.mailfrom=x@spf.example" <(fields c-1 Authentication-Results)
else
    fail "c: inbound mail from 192.0.2.10 accepted and delivered ($(got c-1))"
fi
check "c: the milter logged the removal of the 2 forged fields" logged 3 'removed 2 Authentication-Results'

send c2 '' x@spf.example "$RCPT" 1 --xclient "ADDR=192.0.2.99 NAME=bad.spf.example" \
    --helo bad.spf.example || die "SMTP session c2 failed"
if [ "$(field c2-1 2)" = - ] && text_has c2-1 "MAIL 550 5.7.23" "SPF fail"; then
    ok "c: SPF fail from 192.0.2.99 refused at MAIL FROM: $(field c2-1 4)"
else
    fail "c: SPF fail from 192.0.2.99 refused 550 5.7.23 at MAIL FROM ($(got c2-1))"
fi

write_conf tag
if reload 'reload: [0-9]+ signing keys in force'; then
    ok "c: SIGUSR1 reloaded the configuration with spf_fail_action = tag"
else
    fail "c: SIGUSR1 reload logged 'reload: N signing keys in force'"
fi
send c3 '' x@spf.example "$RCPT" 1 --xclient "ADDR=192.0.2.99 NAME=bad.spf.example" \
    --helo bad.spf.example || die "SMTP session c3 failed"
if accepted c3-1 && delivered c3-1; then
    ok "c: with spf_fail_action = tag, SPF fail is accepted and delivered"
    check "c: Received-SPF: fail" grep -q '^fail ' <(fields c3-1 Received-SPF)
    check "c: Authentication-Results: $AUTHSERV; spf=fail ... smtp.mailfrom=x@spf.example" \
        spf_result fail < <(fields c3-1 Authentication-Results)
else
    fail "c: with spf_fail_action = tag, SPF fail accepted and delivered ($(got c3-1))"
fi

# ------------------------------------------------------------------ d. session caps
# 2 sessions from 127.0.0.1 held open, a 3rd refused, then one QUITs
timeout 60 "$PY" "$HERE/smtp_caps.py" --port "$SMTP_PORT" --hold 2 --from x@caps.example \
    --to "$RCPT" --tag d --retry-seconds 10 >"$T/d.out" 2>"$T/d.err" \
    || echo "# smtp_caps: $(tr '\n' ' ' < "$T/d.err")"
sed 's/^/#   d: /' "$T/d.out"
capline() { awk -F '\t' -v k="$1" '$1 == k' "$T/d.out"; }
if [ "$(capline held | cut -f 3 | tr '\n' ' ')" = "250 250 " ]; then
    ok "d: two sessions from 127.0.0.1 open (EHLO 250) and held"
else
    fail "d: two sessions from 127.0.0.1 open and held ($(capline held | tr '\t\n' ' |'))"
fi
extra=$(capline extra)
if [[ $(cut -f 2 <<<"$extra") == 4[0-9][0-9] ]]; then
    ok "d: the 3rd concurrent session is refused with a temporary error: $(cut -f 2- <<<"$extra" | tr '\t' ' ')"
else
    fail "d: the 3rd concurrent session refused with 4xx (got '$(tr '\t' ' ' <<<"$extra")')"
fi
check "d: the milter logged the refusal (max_sessions_per_client, 127.0.0.1)" \
    logged 3 'CONNECT.*127\.0\.0\.1.*max_sessions_per_client|max_sessions_per_client.*127\.0\.0\.1'
after=$(capline after-quit)
if [[ $(cut -f 3 <<<"$after") == 25[0-9] ]]; then
    ok "d: after one of the two QUITs, a new session is served (attempt $(cut -f 2 <<<"$after"))"
else
    fail "d: after one QUIT a new session is served (got '$(tr '\t' ' ' <<<"$after")')"
fi
if accepted d-1 2>/dev/null && delivered d-1; then
    ok "d: the mail of that session is accepted and delivered"
else
    fail "d: the mail of the new session accepted and delivered ($(got d-1 2>/dev/null))"
fi

# ------------------------------------------------------------------ e. reload of the signing table
printf '# signing table of the e2e test\n%s\n%s\n' "$ACME_LINES" \
    "$(signing_line beta.example e2eb ed25519-sha256)" > "$T/policy/signing"
if reload 'reload: 3 signing keys in force' HUP; then
    ok "e: SIGHUP: the milter loaded the new line (3 signing keys in force)"
else
    fail "e: SIGHUP: the milter logged 'reload: 3 signing keys in force'"
fi
send e carol@beta.example carol@beta.example "$RCPT" 1 || die "SMTP session e failed"
if accepted e-1 && delivered e-1 && [ "$(fields e-1 DKIM-Signature | grep -c 'd=beta\.example;')" = 1 ] \
        && verify_py e-1.eml && { verify_pl e-1.eml; [ "$(sig_word "$T/e-1.eml.pl" ed25519-sha256)" = "$PL_ED25519" ]; }; then
    ok "e: mail of beta.example is now signed; dkimpy passes it (Mail::DKIM: $PL_ED25519)"
else
    fail "e: mail of beta.example signed and verified ($(got e-1); $(cat "$T/e-1.eml.py" "$T/e-1.eml.pl" 2>/dev/null | tr '\n' '|'))"
fi

# a broken table without beta.example: refused, so beta.example stays signed
printf '# signing table of the e2e test\n%s\nthis line is broken\n' "$ACME_LINES" > "$T/policy/signing"
if reload 'signing:4: '; then
    ok "e: a broken table is refused: $(grep -m 1 'signing:4: ' "$T/milter.log" | cut -c 1-160)"
else
    fail "e: a broken table: the milter logged 'signing:4: ...'"
fi
check "e: the milter logged that it keeps the table in force" logged 3 'reload failed: keeping'
send e2 carol@beta.example carol@beta.example "$RCPT" 1 || die "SMTP session e2 failed"
if accepted e2-1 && delivered e2-1 && [ "$(fields e2-1 DKIM-Signature | grep -c 'd=beta\.example;')" = 1 ]; then
    ok "e: after the refused reload the old table is in force (beta.example still signed)"
else
    fail "e: after the refused reload beta.example still signed ($(got e2-1))"
fi

# ------------------------------------------------------------------ e. the libopendkim engine
# the same keys signed by libopendkim after a reload: both verifiers agree
printf '# signing table of the e2e test\n%s\n%s\n' "$ACME_LINES" \
    "$(signing_line beta.example e2eb ed25519-sha256)" > "$T/policy/signing"
write_conf tag libopendkim
if reload 'reload: 3 signing keys in force'; then
    send e3 alice@acme.example alice@acme.example "$RCPT" 1 || die "SMTP session e3 failed"
    if accepted e3-1 && delivered e3-1 && [ "$(fields e3-1 DKIM-Signature | grep -c 'd=acme\.example;')" = 2 ]; then
        verify_py e3-1.eml; expect_words py e3-1.eml pass pass "e: dkim_engine = libopendkim: dkimpy verifies both signatures"
        verify_pl e3-1.eml; expect_words pl e3-1.eml pass "$PL_ED25519" "e: dkim_engine = libopendkim: Mail::DKIM verifies them"
    else
        fail "e: dkim_engine = libopendkim: alice's mail signed twice ($(got e3-1))"
    fi
else
    fail "e: reload with dkim_engine = libopendkim"
fi
write_conf tag
reload 'reload: 3 signing keys in force' || fail "e: reload back to dkim_engine = builtin"

# ------------------------------------------------------------------ f. unsafe key file
mkdir -p "$T/policy-f" "$T/keys-f"
cp "$T/keys/beta.example/e2eb.private" "$T/keys-f/open.private"
chmod 0644 "$T/keys-f/open.private"
echo "beta.example e2eb ed25519-sha256 $T/keys-f/open.private" > "$T/policy-f/signing"
sed -e "s|^policy_dir = .*|policy_dir = $T/policy-f|" -e "s|^socket = .*|socket = inet:$SPARE_PORT@127.0.0.1|" \
    "$T/sendwarden.conf" > "$T/f.conf"
timeout 20 "$MILTER" -c "$T/f.conf" --foreground >"$T/f.log" 2>&1
rc=$?
if [ "$rc" != 0 ] && [ "$rc" != 124 ] && grep -q "$T/keys-f/open.private" "$T/f.log" \
        && grep -q 'chmod 0600' "$T/f.log"; then
    ok "f: a key of mode 0644 stops the milter at start (exit $rc): $(grep -m 1 'chmod 0600' "$T/f.log" | cut -c 1-200)"
else
    fail "f: a key of mode 0644 stops the milter naming the file and 'chmod 0600' (exit $rc: $(one_line "$T/f.log"))"
fi
check "f: and it did not listen" test -z "$(listening "$SPARE_PORT" && echo yes)"

# ------------------------------------------------------------------ the daemon survived
check "sendwarden-milter still running at the end" alive "$MILTER_PID"
if ! grep -Eq 'internal error|signing failed|could not (add|remove) header' "$T/milter.log"; then
    ok "the milter logged no internal error"
else
    fail "the milter logged: $(grep -E 'internal error|signing failed|could not (add|remove) header' "$T/milter.log" | head -n 3 | tr '\n' '|')"
fi

# ------------------------------------------------------------------ stopped
# SIGTERM: a clean stop with the statistics; then Postfix defers
# (milter_default_action = tempfail) instead of sending mail unsigned
stop_pid "$MILTER_PID" 10
if grep -q 'stopped$' "$T/milter.log"; then
    ok "SIGTERM stops the milter cleanly: $(grep -o 'statistics: .*' "$T/milter.log" | tail -n 1 | cut -c 1-150)"
else
    fail "SIGTERM: the milter logged 'stopped' ($(tail -n 2 "$T/milter.log" | tr '\n' '|'))"
fi
check "its statistics count 4 signed messages, 1 refused session, 2 forged fields removed" \
    grep -Eq 'statistics: .*refused_sessions=1 .*signed=4 .*forged_ar_removed=2 ' "$T/milter.log"
send z alice@acme.example alice@acme.example "$RCPT" 1 >/dev/null
if grep -q 'Service unavailable' "$T/z.out" "$T/z.err" && ! grep -q $'\t250\t250\t' "$T/z.out"; then
    ok "with the milter gone Postfix defers alice's mail: $(cat "$T/z.out" "$T/z.err" | head -n 1 | cut -c 1-120)"
else
    fail "with the milter gone Postfix defers alice's mail (got: $(cat "$T/z.out" "$T/z.err" | tr '\n' '|'))"
fi

finish
