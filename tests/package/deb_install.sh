#!/bin/bash
# tests/package/deb_install.sh — the Debian package on this machine, end to
# end: builds it from a clean copy of HEAD (git archive), runs lintian,
# installs it, checks the user, directories, modes and conffiles and
# `sendwarden check-config`, starts both daemons as their installed units say
# (ExecStart=, User=, Group=, Environment=, Type=notify; PID 1 need not be
# systemd), sends a policy request and a milter negotiation, optionally one
# message through a private Postfix, reloads and stops them, purges the
# package and checks that nothing is left.
#
# Not part of `make check`: it installs and purges the package sendwarden,
# so it needs root on Debian 12 and refuses to run where sendwarden is
# installed or has left files. Run it with `make check-deb`.
#
# usage: tests/package/deb_install.sh [--from DIR] [SRCDIR]
#   --from DIR  use sendwarden_*.deb and sendwarden_*.changes already built
#               in DIR instead of building
# Prints PASS/FAIL/SKIP lines; exit 0 all passed, 1 a failure, 77 skipped.
set -u

FROM=""
if [ "${1:-}" = --from ]; then FROM=$(cd "$2" && pwd) || exit 1; shift 2; fi
SRC=$(cd "${1:-$(dirname "$0")/../..}" && pwd) || exit 1
# shellcheck source=tests/e2e/lib.sh
. "$SRC/tests/e2e/lib.sh"

ok()   { PASSED=$((PASSED + 1)); echo "PASS: $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $*"; }
skip() { echo "SKIP: $*"; }
note() { echo "# $*"; }
summary() { echo "$PASSED passed, $FAILED failed"; }

# What the package's default sendwarden.conf listens on.
POLICYD_PORT=10040
MILTER_PORT=8891
ETC=/etc/sendwarden
STATE=/var/lib/sendwarden
UNITDIR=/lib/systemd/system
CONFFILES="$ETC/sendwarden.conf $ETC/limits $ETC/orgs $ETC/signing"

# ------------------------------------------------------------------ preconditions
[ "$(id -u)" = 0 ] || { echo "SKIP: installs a package: needs root"; exit 77; }
for c in dpkg-buildpackage lintian apt-get setpriv ss; do
    command -v "$c" >/dev/null 2>&1 || { echo "SKIP: $c not installed (apt-get install dpkg-dev lintian)"; exit 77; }
done
[ -x "$PY" ] || { echo "SKIP: $PY not installed"; exit 77; }
[ -n "$FROM" ] || git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1 \
    || { echo "SKIP: $SRC is not a git checkout (the package is built from git archive HEAD)"; exit 77; }
if dpkg-query -W -f='${Status}' sendwarden 2>/dev/null | grep -q 'ok installed\|config-files'; then
    echo "SKIP: the package sendwarden is installed here; this test would purge it"; exit 77
fi
for d in "$ETC" "$STATE"; do
    [ ! -e "$d" ] || { echo "SKIP: $d exists (another installation?); this test would delete it"; exit 77; }
done
for p in $POLICYD_PORT $MILTER_PORT; do
    listening "$p" && { echo "FAIL: 127.0.0.1:$p is in use; the packaged configuration needs it"; exit 1; }
done
USER_EXISTED=0
getent passwd sendwarden >/dev/null && USER_EXISTED=1

# ------------------------------------------------------------------ cleanup
INSTALLED=0
DAEMON_PIDS=()
e2e_setup deb
LOG_FILES=(build.log lintian.log install.log sendwarden-policyd.log sendwarden-milter.log "${LOG_FILES[@]}")
deb_cleanup() {
    stop_postfix
    local pid
    for pid in "${DAEMON_PIDS[@]}"; do stop_pid "$pid" 10; done
    if [ "$INSTALLED" = 1 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get purge -y -q sendwarden >/dev/null 2>&1 \
            || echo "# cleanup: apt-get purge sendwarden failed"
    fi
    # a system user this test created goes too
    if [ "$USER_EXISTED" = 0 ] && getent passwd sendwarden >/dev/null; then
        deluser --system --quiet sendwarden >/dev/null 2>&1 || echo "# cleanup: deluser sendwarden failed"
        getent group sendwarden >/dev/null && delgroup --system --quiet sendwarden >/dev/null 2>&1
    fi
    cleanup
}
trap deb_cleanup EXIT

# ------------------------------------------------------------------ build
if [ -n "$FROM" ]; then
    OUT=$FROM
    note "using the package built in $OUT"
else
    [ -z "$(git -C "$SRC" status --porcelain --untracked-files=no)" ] \
        || note "uncommitted changes in $SRC are not in the package (it is built from HEAD)"
    mkdir -p "$T/build/sendwarden"
    git -C "$SRC" archive HEAD | tar -x -C "$T/build/sendwarden" || die "git archive HEAD"
    OUT=$T/build
    t0=$(date +%s)
    if (cd "$T/build/sendwarden" && DEB_BUILD_OPTIONS="nocheck parallel=2" \
            nice -n 19 dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1; then
        ok "dpkg-buildpackage -us -uc -b ($(( $(date +%s) - t0 )) s)"
    else
        die "dpkg-buildpackage -us -uc -b: $(tail -n 5 "$T/build.log" | tr '\n' ' ')"
    fi
fi
DEB=$(find "$OUT" -maxdepth 1 -name 'sendwarden_*.deb' | sort | tail -n 1)
CHANGES=$(find "$OUT" -maxdepth 1 -name 'sendwarden_*.changes' | sort | tail -n 1)
if [ ! -f "$DEB" ] || [ ! -f "$CHANGES" ]; then die "no sendwarden_*.deb and .changes in $OUT"; fi

# ------------------------------------------------------------------ lintian
if lintian --fail-on error --tag-display-limit 0 "$CHANGES" >"$T/lintian.log" 2>&1; then
    ok "lintian: no errors ($(grep -c '^W:' "$T/lintian.log") warnings)"
else
    fail "lintian: $(grep -c '^E:' "$T/lintian.log") errors"
fi
sed 's/^/#   lintian: /' "$T/lintian.log"

# ------------------------------------------------------------------ install
cp "$DEB" "$T/" && chmod 644 "$T/$(basename "$DEB")"
INSTALLED=1
if (cd "$T" && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "./$(basename "$DEB")") >"$T/install.log" 2>&1; then
    ok "apt-get install ./$(basename "$DEB")"
else
    die "apt-get install: $(tail -n 5 "$T/install.log" | tr '\n' ' ')"
fi

# mode_is PATH MODE OWNER GROUP
mode_is() { [ "$(stat -c '%a %U %G' "$1" 2>/dev/null)" = "$2 $3 $4" ]; }
mode_of() { stat -c '%a %U:%G' "$1" 2>/dev/null || echo missing; }

pw=$(getent passwd sendwarden)
IFS=: read -r _ _ uid gid _ home shell <<<"$pw"
if [ -n "$pw" ] && [ "$uid" -lt 1000 ] && [ "$home" = $STATE ] && [[ $shell == */nologin || $shell == /bin/false ]] \
        && [ "$(getent group sendwarden | cut -d: -f3)" = "$gid" ]; then
    ok "system user and group sendwarden (uid $uid, home $home, shell $shell)"
else
    fail "system user and group sendwarden (got '$pw', group '$(getent group sendwarden)')"
fi
check "$STATE is 0750 sendwarden:sendwarden ($(mode_of $STATE))" mode_is $STATE 750 sendwarden sendwarden
check "$ETC/keys is 0750 root:sendwarden ($(mode_of $ETC/keys))" mode_is $ETC/keys 750 root sendwarden
for f in $CONFFILES; do
    check "$f is 0644 root:root ($(mode_of "$f"))" mode_is "$f" 644 root root
done
conffiles=$(dpkg-query -W -f='${Conffiles}\n' sendwarden)
missing=""
for f in $CONFFILES; do grep -q "^ $f " <<<"$conffiles" || missing="$missing $f"; done
check "conffiles: $CONFFILES${missing:+ (missing:$missing)}" test -z "$missing"
missing=""
for f in /usr/sbin/sendwarden /usr/sbin/sendwarden-policyd /usr/sbin/sendwarden-milter; do
    [ -x "$f" ] || missing="$missing $f"
done
for f in man8/sendwarden.8 man8/sendwarden-policyd.8 man8/sendwarden-milter.8 man5/sendwarden.conf.5 \
        man5/sendwarden-policy.5; do
    [ -f "/usr/share/man/$f.gz" ] || missing="$missing /usr/share/man/$f.gz"
done
for f in limits orgs signing org_settings; do
    [ -f "/usr/share/doc/sendwarden/examples/policy/$f" ] || missing="$missing examples/policy/$f"
done
for u in sendwarden-policyd sendwarden-milter; do
    [ -f "$UNITDIR/$u.service" ] || missing="$missing $UNITDIR/$u.service"
done
check "programs, man pages, policy examples and units installed${missing:+ (missing:$missing)}" test -z "$missing"
enabled=$(ls /etc/systemd/system/*.wants/sendwarden-* 2>/dev/null)
check "no unit enabled by the installation${enabled:+ ($enabled)}" test -z "$enabled"

# check-config on the configuration exactly as installed, by its built-in path
if out=$(sendwarden check-config 2>&1); then
    ok "sendwarden check-config on the installed configuration: $out"
else
    fail "sendwarden check-config on the installed configuration: $(tr '\n' ' ' <<<"$out")"
fi

# ------------------------------------------------------------------ systemd-analyze verify
# It works without systemd as PID 1; it also runs each unit's Documentation=
# man: commands, which fail when man-db is not installed.
if command -v systemd-analyze >/dev/null 2>&1; then
    out=$(cd / && systemd-analyze verify $UNITDIR/sendwarden-policyd.service $UNITDIR/sendwarden-milter.service 2>&1)
    out=$(grep -v -e 'System has not been booted with systemd' -e 'Failed to connect to bus' <<<"$out")
    command -v man >/dev/null 2>&1 || out=$(grep -v "Command 'man " <<<"$out")
    out=$(grep . <<<"$out")
    check "systemd-analyze verify of both units${out:+: $(tr '\n' ' ' <<<"$out")}" test -z "$out"
else
    skip "systemd-analyze not installed"
fi

# ------------------------------------------------------------------ a DKIM key and a limit
# Made the way sendwarden-policy(5) says, so that the milter (as user
# sendwarden) must read a key root made, and policyd has a limit to refuse.
# DNS: a dead loopback server, so nothing this test starts asks the network.
if out=$(sendwarden keygen --domain acme.example --selector deb --algorithm ed25519 2>&1); then
    KEY=$ETC/keys/acme.example/deb.private
    check "sendwarden keygen: $KEY is 0640 root:sendwarden ($(mode_of "$KEY"))" mode_is "$KEY" 640 root sendwarden
else
    fail "sendwarden keygen: $(tr '\n' ' ' <<<"$out")"
fi
echo "acme.example deb ed25519-sha256 $ETC/keys/acme.example/deb.private" >> $ETC/signing
echo "user * messages 1/1h 1 defer" >> $ETC/limits
printf '\n[dns]\nserver = 127.0.0.1:9\ntimeout = 1s\n' >> $ETC/sendwarden.conf
if out=$(setpriv --reuid=sendwarden --regid=sendwarden --init-groups sendwarden check-config 2>&1); then
    ok "check-config as user sendwarden with a key and a limit: $out"
else
    fail "check-config as user sendwarden with a key and a limit: $(tr '\n' ' ' <<<"$out")"
fi

# ------------------------------------------------------------------ start as the units say
# parse_unit FILE: U_TYPE U_USER U_GROUP U_EXEC() U_RELOAD U_ENV() U_RUNTIME()
# U_IGNORED() from its [Service] section (continuation lines joined,
# ExecStart prefixes -@:+! dropped, $VAR and ${VAR} of Environment= expanded)
parse_unit() {
    local parsed
    parsed=$("$PY" - "$1" <<'EOF'
import re, shlex, sys
lines, cur = [], ""
for raw in open(sys.argv[1]):
    raw = raw.rstrip("\n")
    if raw.endswith("\\"):
        cur += raw[:-1] + " "
        continue
    lines.append(cur + raw)
    cur = ""
section, keys = None, []
for line in lines:
    s = line.strip()
    if not s or s[0] in "#;":
        continue
    if s.startswith("["):
        section = s
        continue
    if section == "[Service]" and "=" in s:
        k, v = s.split("=", 1)
        keys.append((k.strip(), v.strip()))
env = {}
for k, v in keys:
    if k == "Environment":
        for word in shlex.split(v):
            name, _, value = word.partition("=")
            env[name] = value
def expand(word):
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: env.get(m.group(1) or m.group(2), m.group(0)), word)
out = {"U_TYPE": "simple", "U_USER": "", "U_GROUP": "", "U_RELOAD": ""}
arrays = {"U_EXEC": [], "U_ENV": [f"{k}={v}" for k, v in env.items()], "U_RUNTIME": [], "U_IGNORED": []}
handled = {"Type", "User", "Group", "ExecStart", "ExecReload", "Environment", "RuntimeDirectory"}
for k, v in keys:
    if k == "Type": out["U_TYPE"] = v
    elif k == "User": out["U_USER"] = v
    elif k == "Group": out["U_GROUP"] = v
    elif k == "ExecReload": out["U_RELOAD"] = v
    elif k == "ExecStart": arrays["U_EXEC"] = [expand(w) for w in shlex.split(v.lstrip("-@:+!"))]
    elif k == "RuntimeDirectory": arrays["U_RUNTIME"] += v.split()
    elif k not in handled: arrays["U_IGNORED"].append(k)
for k, v in out.items():
    print(f"{k}={shlex.quote(v)}")
for k, v in arrays.items():
    print(f"{k}=({' '.join(shlex.quote(x) for x in v)})")
EOF
) || return 1
    eval "$parsed"
}

# notify_listener NAME: a NOTIFY_SOCKET for NAME; what the daemon sends
# lands in $T/NAME.notify, one datagram a line
notify_listener() {
    "$PY" - "$T/$1.notify.sock" "$T/$1.notify" <<'EOF' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
with open(sys.argv[2], "a") as f:
    while True:
        f.write(s.recv(4096).decode("utf-8", "replace").replace("\n", " ") + "\n")
        f.flush()
EOF
    track_pid $!
    wait_for 5 test -S "$T/$1.notify.sock"
}

declare -A MAINPID RELOAD RUN_USER RUN_GROUP
# start_unit NAME PORT: NAME.service's ExecStart as its User/Group with its
# Environment, from /, with the environment systemd gives (and NOTIFY_SOCKET
# for Type=notify); waits for READY=1 and for PORT to listen
start_unit() {
    local name=$1 port=$2 unit=$UNITDIR/$1.service user group home dir
    parse_unit "$unit" || { fail "$name: cannot parse $unit"; return 1; }
    [ "${#U_EXEC[@]}" -gt 0 ] || { fail "$name: $unit has no ExecStart="; return 1; }
    [ "${#U_IGNORED[@]}" -eq 0 ] || note "$name: not emulated here: ${U_IGNORED[*]}"
    user=${U_USER:-root}
    group=${U_GROUP:-$(id -gn "$user")}
    home=$(getent passwd "$user" | cut -d: -f6)
    for dir in "${U_RUNTIME[@]}"; do
        install -d -o "$user" -g "$group" -m 0755 "/run/$dir"
    done
    local env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
               USER="$user" LOGNAME="$user" HOME="$home" SHELL=/usr/sbin/nologin "${U_ENV[@]}")
    if [ "$U_TYPE" = notify ]; then
        notify_listener "$name"
        env+=(NOTIFY_SOCKET="$T/$name.notify.sock")
    fi
    note "$name: Type=$U_TYPE User=$user Group=$group ExecStart=${U_EXEC[*]}"
    (cd / && exec env -i "${env[@]}" setpriv --reuid="$user" --regid="$group" --init-groups -- "${U_EXEC[@]}") \
        >"$T/$name.log" 2>&1 </dev/null &
    local pid=$!
    DAEMON_PIDS+=("$pid")
    MAINPID[$name]=$pid
    RELOAD[$name]=$U_RELOAD
    RUN_USER[$name]=$user
    RUN_GROUP[$name]=$group
    if [ "$U_TYPE" = notify ]; then
        if ! ldd "${U_EXEC[0]}" 2>/dev/null | grep -q libsystemd && ! grep -qa NOTIFY_SOCKET "${U_EXEC[0]}"; then
            skip "$name: Type=notify, but this build has no sd_notify (under systemd its start would time out)"
        elif wait_for 15 grep -qs 'READY=1' "$T/$name.notify"; then
            ok "$name: Type=notify, READY=1 received"
        else
            fail "$name: Type=notify but no READY=1 within 15 s"
        fi
    fi
    if wait_for 10 listening "$port" && alive "$pid"; then
        ok "$name: running as $(ps -o user= -p "$pid") (pid $pid), listening on 127.0.0.1:$port"
    else
        fail "$name: listening on 127.0.0.1:$port ($(tail -n 3 "$T/$name.log" | tr '\n' ' '))"
        return 1
    fi
    [ "$(ps -o user= -p "$pid")" = "$user" ] || fail "$name: runs as $(ps -o user= -p "$pid"), not $user"
}

start_unit sendwarden-policyd $POLICYD_PORT
start_unit sendwarden-milter $MILTER_PORT
if grep -q 'ready: .*1 signing keys' "$T/sendwarden-milter.log"; then
    ok "sendwarden-milter loaded the key as user sendwarden"
else
    fail "sendwarden-milter loaded the key ($(grep -m 3 -i 'key\|error' "$T/sendwarden-milter.log" | tr '\n' ' '))"
fi

# ------------------------------------------------------------------ one request each
# policy_request: one Postfix policy request over TCP; prints the reply
policy_request() {
    local line reply=""
    exec 3<>"/dev/tcp/127.0.0.1/$POLICYD_PORT" || return 1
    printf '%s\n' request=smtpd_access_policy protocol_state=RCPT protocol_name=ESMTP \
        client_address=127.0.0.1 client_name=localhost helo_name=client.example \
        sender=probe@example.org recipient=someone@example.net recipient_count=0 \
        queue_id= instance=deb.1 size=0 sasl_username= "" >&3
    while IFS= read -r -t 5 line <&3; do
        [ -z "$line" ] && break
        reply+="$line "
    done
    exec 3<&- 3>&-
    echo "$reply"
    [[ $reply == action=* ]]
}
if reply=$(policy_request); then
    ok "sendwarden-policyd answers a policy request on 127.0.0.1:$POLICYD_PORT: $reply"
else
    fail "sendwarden-policyd answers a policy request on 127.0.0.1:$POLICYD_PORT (got '$reply')"
fi

# milter_negotiate: SMFIC_OPTNEG (milter protocol version 6); prints the
# command letter of the answer, 'O' for an option negotiation
milter_negotiate() {
    "$PY" - "$MILTER_PORT" <<'EOF'
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
body = b"O" + struct.pack(">III", 6, 0x1FF, 0x1FFFFF)
s.sendall(struct.pack(">I", len(body)) + body)
head = b""
while len(head) < 5:
    chunk = s.recv(5 - len(head))
    if not chunk:
        break
    head += chunk
print(head[4:5].decode("ascii", "replace") if len(head) == 5 else "closed")
EOF
}
answer=$(milter_negotiate 2>&1)
check "sendwarden-milter accepts a connection and negotiates (answer '$answer')" test "$answer" = O

# ------------------------------------------------------------------ a message through Postfix
if command -v postfix >/dev/null && command -v smtp-sink >/dev/null; then
    read -r SMTP_PORT SINK_PORT < <(free_ports 2)
    start_sink "$SINK_PORT"
    POLICY="check_policy_service { inet:127.0.0.1:$POLICYD_PORT, default_action=DEFER, timeout=10s }"
    write_postfix_config "$SMTP_PORT" "$SINK_PORT" <<EOF
smtpd_recipient_restrictions = $POLICY
smtpd_end_of_data_restrictions = $POLICY
smtpd_milters = inet:127.0.0.1:$MILTER_PORT
milter_default_action = tempfail
EOF
    start_postfix "$SMTP_PORT"
    if send m alice@acme.example alice@acme.example 'rcpt+{tag}@remote.example' 2; then
        if accepted m-1 && wait_delivered 30 m-1; then
            sig=$(tr -d '\r' < "$(sink_file m-1)" | sed -n '/^DKIM-Signature:/,/^[^[:space:]]/p' | tr -d ' \t\n')
            if [[ $sig == *d=acme.example\;* && $sig == *s=deb\;* ]]; then
                ok "Postfix -> policyd -> milter: m-1 delivered with DKIM-Signature d=acme.example s=deb"
            else
                fail "m-1 delivered with DKIM-Signature d=acme.example s=deb (got '${sig:0:120}')"
            fi
        else
            fail "m-1 accepted and delivered ($(got m-1))"
        fi
        if [[ $(field m-2 2) == 4[0-9][0-9] ]] && text_has m-2 "alice@acme.example"; then
            ok "Postfix -> policyd: m-2 deferred by the limit at RCPT: $(field m-2 2) $(field m-2 4)"
        else
            fail "m-2 deferred by the limit at RCPT ($(got m-2))"
        fi
    else
        fail "SMTP session to the private Postfix"
    fi
    stop_postfix
else
    skip "no postfix/smtp-sink: no message through a private Postfix"
fi

# ------------------------------------------------------------------ reload and stop
# reload: ExecReload= with $MAINPID, as the unit's user; the daemon must
# survive it and log the reload
for name in sendwarden-policyd sendwarden-milter; do
    pid=${MAINPID[$name]}
    cmd=${RELOAD[$name]}
    [ -n "$cmd" ] || { skip "$name: no ExecReload="; continue; }
    cmd=${cmd//\$\{MAINPID\}/$pid}
    cmd=${cmd//\$MAINPID/$pid}
    read -ra argv <<<"$cmd"
    argv[0]=${argv[0]#[-@:+!]}
    setpriv --reuid="${RUN_USER[$name]}" --regid="${RUN_GROUP[$name]}" --init-groups -- "${argv[@]}" \
        || fail "$name: ExecReload= $cmd failed"
    if wait_for 5 grep -q 'reload: [0-9]' "$T/$name.log" && sleep 0.5 && alive "$pid"; then
        ok "$name: ExecReload= ($cmd) reloads it: $(grep 'reload: [0-9]' "$T/$name.log" | tail -n 1)"
    else
        fail "$name: alive and logged a reload after ExecReload= $cmd ($(tail -n 2 "$T/$name.log" | tr '\n' ' '))"
    fi
done
# stop: SIGTERM (systemd's default KillSignal=), exit within 10 s
for name in sendwarden-policyd sendwarden-milter; do
    pid=${MAINPID[$name]}
    kill -TERM "$pid" 2>/dev/null
    wait_for 10 eval '! alive '"$pid"
    if alive "$pid"; then
        fail "$name: still running 10 s after SIGTERM"
    else
        wait "$pid" 2>/dev/null
        rc=$?
        check "$name: stopped by SIGTERM (exit status $rc)" test "$rc" = 0 -o "$rc" = 143
    fi
done
DAEMON_PIDS=()

# ------------------------------------------------------------------ purge
if DEBIAN_FRONTEND=noninteractive apt-get purge -y -q sendwarden >>"$T/install.log" 2>&1; then
    INSTALLED=0
    ok "apt-get purge sendwarden"
else
    fail "apt-get purge sendwarden: $(tail -n 3 "$T/install.log" | tr '\n' ' ')"
fi
left=$(ls -d $ETC $STATE /usr/sbin/sendwarden* $UNITDIR/sendwarden-* /usr/share/doc/sendwarden 2>/dev/null)
check "nothing left after purge${left:+: $(tr '\n' ' ' <<<"$left")}" test -z "$left"
# purged_status: dpkg has no installed or config-files state of sendwarden
purged_status() { ! dpkg-query -W -f='${Status}' sendwarden 2>/dev/null | grep -qE 'ok (installed|config-files|half|unpacked)'; }
check "dpkg status of sendwarden after purge: $(dpkg-query -W -f='${Status}' sendwarden 2>&1)" purged_status
has_user() { getent passwd sendwarden >/dev/null; }
check "the system user sendwarden is kept by purge (Debian convention)" has_user

finish
