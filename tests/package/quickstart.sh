#!/bin/bash
# quickstart.sh: README.md's "Postfix in five minutes", followed literally on
# this machine in a fresh clone, then a message sent through: it leaves
# signed (DKIM verified with dkimpy against the key keygen printed) and the
# user limit of step 3 applies (20 accepted in a burst, then 450 4.7.1).
#
# The commands are the indented lines of that README section, run in order
# with bash -e in a `git clone` of this tree, inside a private PID and mount
# namespace whose PID 1 is systemd (tests/support/systemd_ns.sh), so that
# `systemctl enable --now` is real. What the test adds around them:
#   before: DEB_BUILD_OPTIONS="nocheck parallel=2" in the environment (the
#           suite ran already; a package build would run it once more), and
#           the README's premise "a Postfix that already sends your mail":
#           a minimal /etc/postfix/main.cf relaying to smtp-sink on
#           loopback, Postfix started;
#   after:  Postfix stopped, `apt-get purge -y sendwarden`, /etc/postfix and
#           the enablement links restored as they were.
# Takes about 10 minutes (the package build). Needs root, git, Postfix;
# exit 77 otherwise. `make check-quickstart` runs it.
set -uo pipefail
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
srcdir=$(cd "$(dirname "$0")/../.." && pwd)
command -v git >/dev/null && git -C "$srcdir" rev-parse --git-dir >/dev/null 2>&1 || { echo "SKIP: $srcdir is not a git tree"; exit 77; }
command -v postfix >/dev/null || [ -x /usr/sbin/postfix ] || { echo "SKIP: no Postfix"; exit 77; }
export PATH="$PATH:/usr/sbin:/sbin" LC_ALL=C
PY=/usr/bin/python3   # Debian's, with python3-dkim (dkim_check.py)
dpkg-query -W -f='${Status}' sendwarden 2>/dev/null | grep -q 'ok installed' && { echo "SKIP: sendwarden is installed on this machine already"; exit 77; }
. "$srcdir/tests/support/systemd_ns.sh"

failed=0
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1"; failed=1; }

W=$(mktemp -d /var/tmp/sw-quickstart.XXXXXX)
backup=$W/etc-postfix
cp -a /etc/postfix "$backup"
sink_port=$(python3 "$srcdir/tests/support/free_dns_port.py")
cleanup() {
    set +e
    [ -n "$SDNS_PID" ] && sdns postfix stop >/dev/null 2>&1
    sdns_stop
    postfix stop >/dev/null 2>&1
    [ -n "${sink_pid:-}" ] && kill "$sink_pid" 2>/dev/null
    if dpkg-query -W -f='${Status}' sendwarden 2>/dev/null | grep -q installed; then
        apt-get purge -y -qq sendwarden >"$W/purge.log" 2>&1 || { echo "purge failed:"; cat "$W/purge.log"; }
    fi
    rm -rf /etc/postfix && cp -a "$backup" /etc/postfix
    [ -n "${KEEP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT

# The README's commands: the indented lines of its "Postfix in five minutes".
awk '/^## Postfix in five minutes/ { on = 1; next } /^## / { on = 0 } on && /^    / { sub(/^ +/, ""); print }' \
    "$srcdir/README.md" >"$W/commands.sh"
n=$(grep -c . "$W/commands.sh")
[ "$n" -ge 8 ] || { fail "README: only $n commands found in 'Postfix in five minutes'"; exit 1; }
echo "# the README's $n commands:"; sed 's/^/#   /' "$W/commands.sh"

git clone -q "$srcdir" "$W/sendwarden" || { fail "git clone"; exit 1; }

# The premise: a Postfix that already sends mail, here to smtp-sink.
mkdir -p "$W/sink"
chmod 755 "$W"
chown postfix "$W/sink"   # smtp-sink -u postfix writes there
smtp-sink -u postfix -d "$W/sink/msg." "127.0.0.1:$sink_port" 100 >"$W/sink.log" 2>&1 &
sink_pid=$!
cat >/etc/postfix/main.cf <<CF
myhostname = mail.example.com
mydomain = example.com
myorigin = \$mydomain
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
relayhost = [127.0.0.1]:$sink_port
smtp_dns_support_level = disabled
disable_dns_lookups = yes
compatibility_level = 3.6
maillog_file = /var/log/postfix.log
CF
newaliases 2>/dev/null || true

if ! sdns_start; then echo "SKIP: systemd does not start in a namespace here"; exit 77; fi
sdns postfix start >"$W/postfix-start.log" 2>&1 || { fail "postfix start: $(cat "$W/postfix-start.log")"; exit 1; }

# The README, literally.
sdns env DEB_BUILD_OPTIONS="nocheck parallel=2" bash -e -x -c "cd '$W/sendwarden' && . '$W/commands.sh'" >"$W/readme.log" 2>&1
rc=$?
if [ $rc = 0 ]; then pass "the README's $n commands ran (bash -e) in a fresh clone"; else
    fail "the README's commands: exit $rc; last lines:"; tail -30 "$W/readme.log"; exit 1; fi
grep -q '_domainkey.example.com. IN TXT' "$W/readme.log" && grep -h '_domainkey' "$W/readme.log" | grep -v '^+' >"$W/zone"

for u in policyd milter; do
    if [ "$(sdns systemctl is-active sendwarden-$u)" = active ] && [ "$(sdns systemctl is-enabled sendwarden-$u)" = enabled ]; then
        pass "sendwarden-$u: enabled and active under systemd"
    else
        fail "sendwarden-$u: $(sdns systemctl status --no-pager sendwarden-$u 2>&1 | tail -5)"
    fi
done

# Mail through it: 25 messages from one user in one burst.
"$PY" "$srcdir/tests/e2e/smtp_send.py" --port 25 --from alice@example.com --to bob@remote.example --count 25 \
    --tag qs >"$W/send.out" 2>"$W/send.err"
accepted=$(awk -F '\t' '$2 == 250 && $3 == 250' "$W/send.out" | wc -l)
deferred=$(awk -F '\t' '$4 ~ /^4\.7\.1/ || $4 ~ /4\.7\.1/' "$W/send.out" | wc -l)
if [ "$accepted" = 20 ] && [ "$deferred" = 5 ]; then
    pass "the limit of step 3: 20 messages accepted, the next 5 deferred with 4.7.1"
else
    fail "limit: $accepted accepted, $deferred deferred with 4.7.1: $(cat "$W/send.out" "$W/send.err")"
fi
for _ in $(seq 30); do
    [ "$(ls "$W/sink" | wc -l)" -ge 20 ] && break
    postqueue -f >/dev/null 2>&1; sleep 1
done
msg=$(ls "$W/sink"/msg.* 2>/dev/null | head -1)
if [ -n "$msg" ] && "$PY" "$srcdir/tests/e2e/dkim_check.py" strip "$msg" "$W/delivered.eml" &&
    out=$("$PY" "$srcdir/tests/e2e/dkim_check.py" verify "$W/zone" "$W/delivered.eml") &&
    echo "$out" | grep -q 'd=example.com s=s1 pass'; then
    pass "delivered signed: $out ($(ls "$W/sink" | wc -l) messages at the sink)"
else
    fail "DKIM: ${out:-no message at the sink}"
    sdns postqueue -p | tail -5; sdns tail -20 /var/log/postfix.log; tail -5 "$W/sink.log"
fi
if sdns journalctl --no-pager -u sendwarden-policyd 2>/dev/null | grep -q 'defer'; then
    pass "each refusal is logged by policyd"
else
    fail "no defer line from policyd in the journal"
fi
exit $failed
