#!/bin/bash
# no_secrets_in_logs.sh — no private key material in anything we print or log.
# Keys made by `sendwarden keygen` (RSA and Ed25519) go through keygen itself,
# check-config, keys status, a key with bad permissions (refused), and the
# milter started on them in the foreground, reloaded with SIGHUP and SIGUSR1,
# and stopped. Every byte they write to stdout and stderr is kept (in the
# foreground the log lines go to stderr as they go to syslog: one msg sink
# each) and searched for every 40-character slice of each PEM's base64 body,
# of the DER in hex, and for the Ed25519 raw private key (hex and base64).
# Then the *.log files of the test suite under BUILDDIR/tests (make check
# runs this test last) are searched for PEM private keys, for the start of
# any private key's DER (the keys other tests generate are gone by then)
# and for the private keys of the PEM files under tests/data.
#
# usage: tests/cli/no_secrets_in_logs.sh [BUILDDIR]   (BUILDDIR defaults to ".")
# Exit: 0 passed, 1 a failure, 77 skipped (no python3).
set -u
export LC_ALL=C

BUILDDIR=${1:-.}
HERE=$(cd "$(dirname "$0")" && pwd)
SRCDIR=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "SKIP: $PY not installed"; exit 77; }
CLI=$BUILDDIR/src/cli/sendwarden
MILTER=$BUILDDIR/src/milter/sendwarden-milter
for b in "$CLI" "$MILTER"; do [ -x "$b" ] || { echo "FAIL: $b not built"; exit 1; }; done

PASSED=0 FAILED=0
ok()   { PASSED=$((PASSED + 1)); echo "PASS - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $*"; }

T=$(mktemp -d "${TMPDIR:-/tmp}/sw-secrets.XXXXXX")
chmod 700 "$T"
MILTER_PID=""
stop_milter() {
    [ -n "$MILTER_PID" ] || return 0
    kill "$MILTER_PID" 2>/dev/null
    wait "$MILTER_PID" 2>/dev/null
    MILTER_PID=""
}
trap 'stop_milter; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP

OUT=$T/out  # everything printed, one file per command
mkdir -p "$OUT" "$T/policy" "$T/state" "$T/bad/policy"
conf() {  # conf POLICY_DIR FILE
    printf '[global]\npolicy_dir = %s\n[store]\nstate_dir = %s/state\n[milter]\nsocket = unix:%s/milter.sock\n[dns]\nserver = 127.0.0.1:9\ntimeout = 1s\n' \
        "$1" "$T" "$T" >"$2"
}
conf "$T/policy" "$T/sendwarden.conf"
conf "$T/bad/policy" "$T/bad.conf"
for d in "$T/policy" "$T/bad/policy"; do : >"$d/limits"; : >"$d/orgs"; done
SW() { "$CLI" -c "$T/sendwarden.conf" "$@"; }
run() {  # run NAME COMMAND...: stdout and stderr kept in $OUT/NAME.{out,err}; the status returned
    local name=$1; shift
    "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"
}

# ------------------------------------------------------------------ the keys
run keygen-rsa SW keygen --domain acme.test --selector r1 --algorithm rsa-2048 --dir "$T/keys" &&
    run keygen-ed SW keygen --domain acme.test --selector e1 --algorithm ed25519 --dir "$T/keys" &&
    [ -s "$T/keys/r1.private" ] && [ -s "$T/keys/e1.private" ] &&
    ok "keygen wrote an RSA and an Ed25519 key" || { fail "keygen: $(cat "$OUT"/keygen-*.err)"; exit 1; }
# keygen over an existing key is refused: that message too
run keygen-again SW keygen --domain acme.test --selector r1 --dir "$T/keys"
{
    echo "acme.test r1 rsa-sha256 $T/keys/r1.private"
    echo "acme.test e1 ed25519-sha256 $T/keys/e1.private"
} >"$T/policy/signing"

# ------------------------------------------------------------------ commands on them
run check-config SW check-config && ok "check-config accepts the keys" || fail "check-config: $(cat "$OUT/check-config.err")"
run keys-status SW keys status && ok "keys status" || fail "keys status: $(cat "$OUT/keys-status.out" "$OUT/keys-status.err")"
run keys-status-json SW keys status --json
run audit SW audit --json

# A key readable by all: refused by check-config and by the milter
cp -p "$T/keys/r1.private" "$T/bad/b1.private"
chmod 644 "$T/bad/b1.private"
echo "acme.test b1 rsa-sha256 $T/bad/b1.private" >"$T/bad/policy/signing"
if run bad-check-config "$CLI" -c "$T/bad.conf" check-config; then
    fail "check-config accepted a key readable by all"
else
    ok "check-config refuses a key readable by all: $(head -1 "$OUT/bad-check-config.err")"
fi
if run bad-milter timeout 10 "$MILTER" -c "$T/bad.conf" --foreground; then
    fail "the milter started on a key readable by all"
else
    ok "the milter refuses a key readable by all: $(grep -m1 -F "$T/bad" "$OUT/bad-milter.err")"
fi

# ------------------------------------------------------------------ the milter
wait_for() {  # wait_for PATTERN FILE: up to 10 s
    local i
    for i in $(seq 1 200); do
        grep -q "$1" "$2" 2>/dev/null && return 0
        kill -0 "$MILTER_PID" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}
"$MILTER" -c "$T/sendwarden.conf" --foreground >"$OUT/milter.out" 2>"$OUT/milter.err" &
MILTER_PID=$!
if wait_for "ready:" "$OUT/milter.err"; then
    ok "the milter started on the keys: $(grep -m1 'ready:' "$OUT/milter.err")"
    kill -HUP "$MILTER_PID"
    wait_for "reload:" "$OUT/milter.err" && ok "SIGHUP reloaded the keys" || fail "no reload after SIGHUP: $(cat "$OUT/milter.err")"
    kill -USR1 "$MILTER_PID"
    for i in $(seq 1 200); do [ "$(grep -c 'reload:' "$OUT/milter.err")" -ge 2 ] && break; sleep 0.05; done
    [ "$(grep -c 'reload:' "$OUT/milter.err")" -ge 2 ] && ok "SIGUSR1 reloaded the keys" || fail "no reload after SIGUSR1"
    stop_milter
else
    fail "the milter did not start: $(cat "$OUT/milter.err")"
    stop_milter
fi

# ------------------------------------------------------------------ the search
# secrets.py PATTERNS PEM...: for each PRIVATE KEY block, one line per secret
# slice (fixed strings for grep -F); prints how many keys it read. A slice
# that is also in the public key (the RSA modulus is in both; keygen prints
# the public key) is no secret and is left out.
cat >"$T/secrets.py" <<'EOF'
import base64, re, subprocess, sys
out, keys = [], 0
ED25519_OID = bytes.fromhex("06032b6570")
def slices(s, step=1, n=40):
    return [s[i:i + n] for i in range(0, max(len(s) - n, 0) + 1, step)] if len(s) >= n else [s]
for path in sys.argv[2:]:
    text = open(path, "rb").read().decode("ascii", "replace")
    for m in re.finditer(r"-----BEGIN ([A-Z ]*)PRIVATE KEY-----(.*?)-----END \1PRIVATE KEY-----", text, re.S):
        body = "".join(l for l in m.group(2).split("\n") if l.strip() and ":" not in l)
        body = re.sub(r"\s", "", body)
        der = base64.b64decode(body)
        keys += 1
        h = der.hex()
        mine = slices(body) + slices(h, 2) + [s.upper() for s in slices(h, 2)]
        try:
            pub = subprocess.run(["openssl", "pkey", "-pubout", "-outform", "DER"], input=m.group(0).encode(),
                                 capture_output=True, check=True).stdout
            public = " ".join([base64.b64encode(pub).decode(), pub.hex(), pub.hex().upper()])
            mine = [s for s in mine if s not in public]
        except (OSError, subprocess.CalledProcessError):
            pass
        out += mine
        if ED25519_OID in der:  # PKCS#8 Ed25519: OCTET STRING (32 raw bytes) at the end
            raw = der[-32:]
            out += [raw.hex(), raw.hex().upper(), base64.b64encode(raw).decode(),
                    base64.urlsafe_b64encode(raw).decode().rstrip("=")]
open(sys.argv[1], "w").write("\n".join(sorted(set(out))) + "\n")
print(keys)
EOF
nkeys=$("$PY" "$T/secrets.py" "$T/patterns" "$T/keys/r1.private" "$T/keys/e1.private")
npat=$(wc -l <"$T/patterns")
if [ "$nkeys" = 2 ] && [ "$npat" -gt 1000 ]; then
    ok "2 keys read, $npat secret slices to look for"
else
    fail "the keys could not be read ($nkeys keys, $npat slices)"
fi
# the search finds a key where one is: it must, or it proves nothing
if grep -qF -f "$T/patterns" "$T/keys/r1.private" && grep -qF -f "$T/patterns" "$T/keys/e1.private" &&
   "$PY" -c 'import base64,sys; print(base64.b64decode("".join(open(sys.argv[1]).read().split("\n")[1:-2])).hex())' \
       "$T/keys/r1.private" | grep -qF -f "$T/patterns"; then
    ok "the search finds the keys in the key files and in their DER hex"
else
    fail "the search does not find the keys where they are"
fi
nfiles=$(find "$OUT" -type f | wc -l)
if hits=$(grep -rlF -f "$T/patterns" "$OUT"); then
    fail "key material printed or logged in: $hits"
    grep -rnF -f "$T/patterns" "$OUT" | cut -c1-200 | head -5
else
    ok "no key material in the $nfiles outputs of keygen, check-config, keys status, audit and the milter"
fi
if grep -q "BEGIN.*PRIVATE" "$OUT"/*; then fail "a PEM header was printed"; else ok "no PEM header printed"; fi

# ------------------------------------------------------------------ the suite's logs
# make check lists this run's test logs in SW_TEST_LOGS and starts this test
# last; automake removed their .trs files at the start and writes each when
# its test ends: wait for the others (20 minutes at most, and only while
# another test-driver runs: a test whose program failed to build never
# writes one) so that their logs are complete.
others_running() { [ "$(pgrep -fc 'test-driver')" -gt 1 ]; }
waited=0 pending=""
for l in ${SW_TEST_LOGS:-}; do
    case $l in *no_secrets_in_logs*) continue ;; esac
    while [ ! -f "$BUILDDIR/${l%.log}.trs" ] && [ $waited -lt 1200 ] && others_running; do
        sleep 1; waited=$((waited + 1))
    done
    [ -f "$BUILDDIR/${l%.log}.trs" ] || pending="$pending $l"
done
[ -z "$pending" ] || fail "no result after ${waited} s (still running, or not run) from:$pending; their logs searched as they are"
echo "# waited $waited s for the other tests of this run to end"
# The *.log that `make check` leaves next to each test (this test's own, being
# written, left out), searched for any PEM private key and for the keys of
# the test data.
mapfile -t pems < <(grep -rlI 'PRIVATE KEY' "$SRCDIR/tests/data" 2>/dev/null)
mapfile -t logs < <(find "$BUILDDIR/tests" -name '*.log' -type f ! -name 'no_secrets_in_logs*' 2>/dev/null)
if [ "${#logs[@]}" -gt 0 ] && hits=$(grep -lE -- '-----BEGIN ([A-Z]+ )*PRIVATE KEY-----' "${logs[@]}"); then
    fail "a PEM private key in suite logs: $hits"
else
    ok "no PEM private key block in the ${#logs[@]} suite log files"
fi
# Keys other tests make (keygen into their temporary directories) are gone
# by now: what gives any private key away is the start of its DER, which a
# public key never has: PKCS#8 RSA and Ed25519, PKCS#1 RSA, in base64 (as
# PEM bodies are) and in hex.
DER_B64='IBADANBgkqhkiG9w0BAQEFAASC|MC4CAQAwBQYDK2VwBCIEI|MII[A-Za-z0-9+/]{3}IBAAK'
DER_HEX='020100300d06092a864886f70d010101050004|302e020100300506032b657004220420|3082[0-9a-f]{4}0201000282'
if grep -qE "$DER_B64" "$T/keys/r1.private" "$T/keys/e1.private" &&
   [ "$(grep -lE "$DER_B64" "$T/keys/r1.private" "$T/keys/e1.private" | wc -l)" = 2 ] &&
   openssl pkey -in "$T/keys/e1.private" -outform DER 2>/dev/null | od -An -tx1 -v | tr -d ' \n' | grep -qiE "$DER_HEX"; then
    ok "the DER-prefix search finds both keys in their files and the Ed25519 key in hex"
else
    fail "the DER-prefix search misses a key where it is"
fi
hits=""
[ "${#logs[@]}" -gt 0 ] && hits=$( { grep -lE -- "$DER_B64" "${logs[@]}"; grep -liE -- "$DER_HEX" "${logs[@]}"; } | sort -u)
if [ -n "$hits" ]; then
    fail "the start of a private key's DER in suite logs: $hits"
else
    ok "no private key DER (base64 or hex) in the ${#logs[@]} suite log files"
fi
if [ "${#pems[@]}" = 0 ]; then
    ok "no PEM private key under tests/data: ${#logs[@]} suite log files not searched for one"
else
    n=$("$PY" "$T/secrets.py" "$T/data-patterns" "${pems[@]}")
    if [ "$n" = 0 ]; then
        ok "no PEM private key block in the ${#pems[@]} files under tests/data naming one; ${#logs[@]} logs not searched"
    elif [ "${#logs[@]}" = 0 ]; then
        ok "$n test-data keys; no suite log files under $BUILDDIR/tests yet (0 scanned)"
    elif hits=$(grep -lF -f "$T/data-patterns" "${logs[@]}"); then
        fail "test-data private keys in suite logs: $hits"
    else
        ok "$n test-data keys: none in the ${#logs[@]} suite log files scanned"
    fi
fi
echo "scanned: $nfiles outputs of this test, ${#logs[@]} suite log files"

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
