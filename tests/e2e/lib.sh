# tests/e2e/lib.sh — the fixture shared by the end-to-end tests (sourced, not
# run): assertion bookkeeping, bounded waits, processes stopped by PID, a
# temporary directory, free loopback ports, smtp-sink as the next hop and a
# private Postfix instance (own config, queue and data directories) on
# 127.0.0.1. Nothing here resolves names or listens off loopback.
#
# A test script sets BUILDDIR, then:
#     . "$HERE/lib.sh"
#     e2e_require                     # exit 77 without root or Postfix
#     X=$(e2e_binary src/x/prog)      # absolute path of a built program
#     e2e_setup NAME                  # $T, $CONF, cleanup trap
#     read -r A B < <(free_ports 2)
#     start_sink PORT
#     write_postfix_config SMTP_PORT SINK_PORT <<EOF
#     ...main.cf lines of this test (they override the common ones)...
#     EOF
#     start_postfix SMTP_PORT
#     send NAME LOGIN FROM TO COUNT ...   (smtp_send.py to $SMTP_PORT)
# and registers the logs worth showing on failure in LOG_FILES and every
# process it starts itself with track_pid PID.
#
# Environment: E2E_KEEP=1 keeps the temporary directory for inspection.

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$E2E_DIR/postfix_services.sh"
export PATH="$PATH:/usr/sbin:/sbin"
export LC_ALL=C
PY=/usr/bin/python3
T0=$(date +%s)

# ------------------------------------------------------------------ bookkeeping
PASSED=0 FAILED=0
ok()   { PASSED=$((PASSED + 1)); echo "ok - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $*"; }
summary() { echo "$PASSED passed, $FAILED failed"; }
# check DESCRIPTION COMMAND...: ok or FAIL as COMMAND succeeds
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else fail "$what"; fi
}

# e2e_require: exit 77 unless Postfix is installed and we are root (a private
# Postfix instance can only be started by root); exit 1 without Debian's python3
e2e_require() {
    local c
    for c in postfix postconf postqueue smtp-sink; do
        command -v "$c" >/dev/null 2>&1 || { echo "SKIP: $c not installed (Debian package postfix)"; exit 77; }
    done
    if [ "$(id -u)" != 0 ]; then
        echo "SKIP: starting a private Postfix instance needs root"; exit 77
    fi
    [ -x "$PY" ] || { echo "FAIL: $PY not found"; exit 1; }
}

# e2e_binary RELPATH: the absolute path of BUILDDIR/RELPATH, which must be built
e2e_binary() {
    local p=$BUILDDIR/$1
    [ -x "$p" ] || { echo "FAIL: $p not built" >&2; return 1; }
    echo "$(cd "$(dirname "$p")" && pwd)/$(basename "$p")"
}

# ------------------------------------------------------------------ processes
# alive PID: the process exists and is not a zombie
alive() {
    local st
    st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    st=${st##*) }
    [ "${st%% *}" != Z ]
}
TRACKED_PIDS=()
# track_pid PID: stop PID on exit unless stop_pid stopped it before
track_pid() { TRACKED_PIDS+=("$1"); }
# stop_pid PID [SECONDS]: SIGTERM, bounded wait, then SIGKILL; forgets PID
stop_pid() {
    local pid=$1 tenths=$(( ${2:-5} * 10 )) i keep=()
    [ -n "$pid" ] || return 0
    for i in "${TRACKED_PIDS[@]}"; do [ "$i" = "$pid" ] || keep+=("$i"); done
    TRACKED_PIDS=("${keep[@]}")
    alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < tenths; i++)); do alive "$pid" || break; sleep 0.1; done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

# wait_for SECONDS COMMAND...: poll every 0.1 s until COMMAND succeeds
wait_for() {
    local tenths=$(( $1 * 10 )) i
    shift
    for ((i = 0; i < tenths; i++)); do "$@" && return 0; sleep 0.1; done
    "$@"
}
# wait_slowly SECONDS COMMAND...: the same for costly checks, every 0.5 s
wait_slowly() {
    local halves=$(( $1 * 2 )) i
    shift
    for ((i = 0; i < halves; i++)); do "$@" && return 0; sleep 0.5; done
    "$@"
}
listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

# free_ports N: N free TCP ports on 127.0.0.1, on one line
free_ports() {
    "$PY" -c '
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))' "$1"
}

# ------------------------------------------------------------------ setup and cleanup
T="" CONF="" SINK_PID="" MASTER_PID="" POSTFIX_STARTED=0
LOG_FILES=(maillog sink.log postfix-start.log)

show_logs() {
    [ -n "$T" ] || return 0
    local f
    for f in "${LOG_FILES[@]}"; do
        [ -s "$T/$f" ] || continue
        echo "# ---- last lines of $f"
        tail -n 25 "$T/$f" | sed 's/^/#   /'
    done
}

master_pid() { tr -dc '0-9' < "$T/spool/pid/master.pid" 2>/dev/null; }

stop_postfix() {
    local i
    [ "$POSTFIX_STARTED" = 1 ] || return 0
    [ -n "$MASTER_PID" ] || MASTER_PID=$(master_pid)
    postfix -c "$CONF" stop >/dev/null 2>&1
    for ((i = 0; i < 50; i++)); do
        [ -n "$MASTER_PID" ] && alive "$MASTER_PID" || break
        sleep 0.1
    done
    [ -n "$MASTER_PID" ] && alive "$MASTER_PID" && kill -KILL "$MASTER_PID" 2>/dev/null
    POSTFIX_STARTED=0
}

cleanup() {
    local pid
    stop_postfix
    for pid in "${TRACKED_PIDS[@]}"; do stop_pid "$pid" 5; done
    if [ -n "$T" ] && [ -d "$T" ]; then
        if [ "${E2E_KEEP:-0}" = 1 ]; then echo "# kept $T"; else rm -rf "$T"; fi
    fi
}

# die MESSAGE: a setup step failed; nothing further can be checked
die() {
    fail "$*"
    show_logs
    summary
    exit 1
}

# e2e_setup NAME: the temporary directory $T (sink/, run/ and data/ reachable
# by user postfix), $CONF for Postfix's main.cf, and the cleanup trap
e2e_setup() {
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM HUP
    T=$(mktemp -d "/tmp/sendwarden-$1.XXXXXX") || { echo "FAIL: mktemp"; exit 1; }
    chmod 755 "$T"     # user postfix must reach sockets and the sink dir
    CONF=$T/postfix
    mkdir -p "$CONF" "$T/spool" "$T/data" "$T/sink" "$T/run"
    chown postfix "$T/data" "$T/sink"
    chmod 755 "$T/run"
}

# e2e_stack_setup NAME: what a test of the whole stack (policyd, the milter
# and Postfix) needs before configuring it: the binaries POLICYD, MILTER and
# CLI, the temporary tree of e2e_setup NAME with $T/policy and $T/keys, the
# policyd socket SOCK and three free loopback ports SMTP_PORT, SINK_PORT and
# MILTER_PORT (exits 77 where e2e_require skips)
e2e_stack_setup() {
    e2e_require
    POLICYD=$(e2e_binary src/policyd/sendwarden-policyd) || exit 1
    MILTER=$(e2e_binary src/milter/sendwarden-milter) || exit 1
    CLI=$(e2e_binary src/cli/sendwarden) || exit 1
    e2e_setup "$1"
    LOG_FILES=(policyd.log milter.log "${LOG_FILES[@]}")
    mkdir -p "$T/policy" "$T/keys"
    SOCK=$T/run/policyd.sock
    read -r SMTP_PORT SINK_PORT MILTER_PORT < <(free_ports 3)
    [ -n "${MILTER_PORT:-}" ] || die "could not pick free loopback ports"
    echo "# temp dir $T, smtpd 127.0.0.1:$SMTP_PORT, sink :$SINK_PORT, milter :$MILTER_PORT"
}

# ------------------------------------------------------------------ sendwarden-policyd
# start_policyd BINARY CONFFILE SOCK: runs it in the foreground (log in
# $T/policyd.log), sets POLICYD_PID, waits for its socket or dies
POLICYD_PID=""
start_policyd() {
    local sock=$3
    "$1" -c "$2" --foreground >"$T/policyd.log" 2>&1 &
    POLICYD_PID=$!
    track_pid "$POLICYD_PID"
    policyd_ready() { [ -S "$sock" ] || ! alive "$POLICYD_PID"; }
    wait_for 10 policyd_ready
    alive "$POLICYD_PID" || die "sendwarden-policyd exited at startup"
    [ -S "$sock" ] || die "sendwarden-policyd did not create $sock within 10 s"
}

# write_sendwarden_conf FILE: what every test's sendwarden.conf starts with
# (policy in $T/policy, state in $T/state, policyd on unix:$SOCK that
# Postfix may use), then the lines on stdin: more [policyd] lines first,
# then other sections.
write_sendwarden_conf() {
    {
        printf '[global]\npolicy_dir = %s/policy\n\n[store]\nstate_dir = %s/state\n\n' "$T" "$T"
        printf '[policyd]\nlisten = unix:%s\nsocket_mode = 0666\n' "$SOCK"
        cat
    } > "$1"
}

# write_stack_conf FILE: write_sendwarden_conf with the [policyd] lines on
# stdin, then the milter on 127.0.0.1:$MILTER_PORT and no DNS (a dead
# server: the stack tests sign, they do not verify)
write_stack_conf() {
    { cat; printf '\n[milter]\nsocket = inet:%s@127.0.0.1\n\n[dns]\nserver = 127.0.0.1:9\ntimeout = 1s\n' "$MILTER_PORT"; } |
        write_sendwarden_conf "$1"
}

# add_signing_key DOMAIN SELECTOR: an Ed25519 key made by `sendwarden keygen`
# (config $T/sendwarden.conf) in $T/keys/DOMAIN, its DNS record appended to
# $T/zone and its line to $T/policy/signing
add_signing_key() {
    "$CLI" -c "$T/sendwarden.conf" keygen --domain "$1" --selector "$2" --algorithm ed25519 \
        --dir "$T/keys/$1" >>"$T/zone" 2>>"$T/keygen.err" || die "keygen $1: $(cat "$T/keygen.err")"
    echo "$1 $2 ed25519-sha256 $T/keys/$1/$2.private" >> "$T/policy/signing"
}

# ------------------------------------------------------------------ sendwarden-milter
# start_milter BINARY CONFFILE PORT KEYS: runs it in the foreground (log
# appended to $T/milter.log), sets MILTER_PID, waits until it listens on
# 127.0.0.1:PORT with KEYS signing keys loaded, or dies
MILTER_PID=""
start_milter() {
    local port=$3
    "$1" -c "$2" --foreground >>"$T/milter.log" 2>&1 &
    MILTER_PID=$!
    track_pid "$MILTER_PID"
    milter_up() { listening "$port" || ! alive "$MILTER_PID"; }
    wait_for 10 milter_up
    alive "$MILTER_PID" && listening "$port" || die "sendwarden-milter did not start on 127.0.0.1:$port"
    wait_for 10 grep -q "ready: .*$4 signing keys" "$T/milter.log" ||
        die "the milter did not load its $4 key(s): $(tail -n 3 "$T/milter.log")"
}

# ------------------------------------------------------------------ smtp-sink
# start_sink PORT: smtp-sink keeps every delivered message as $T/sink/msg.*
start_sink() {
    smtp-sink -u postfix -h sink.e2e.sendwarden.test -d "$T/sink/msg." \
        "127.0.0.1:$1" 100 >"$T/sink.log" 2>&1 &
    SINK_PID=$!
    track_pid "$SINK_PID"
    wait_for 5 listening "$1" || die "smtp-sink did not listen on 127.0.0.1:$1"
}

# sink_files: the messages smtp-sink kept so far
sink_files() {
    local f
    for f in "$T"/sink/msg.*; do [ -f "$f" ] && echo "$f"; done
}
# sink_tags: the X-E2E-Tag of every message at the sink, sorted
sink_tags() {
    local f
    sink_files | while read -r f; do tr -d '\r' < "$f" | sed -n 's/^X-E2E-Tag: //p'; done | sort
}
# sink_file TAG: the message with X-E2E-Tag: TAG at the sink (fails if none)
sink_file() {
    local f
    for f in $(sink_files); do
        if tr -d '\r' < "$f" | grep -qx "X-E2E-Tag: $1"; then echo "$f"; return 0; fi
    done
    return 1
}
# wait_delivered SECONDS TAG...: every TAG reached the sink, flushing the queue
wait_delivered() {
    local secs=$1 i tag missing
    shift
    for ((i = 0; i < secs; i += 2)); do
        missing=0
        for tag in "$@"; do sink_file "$tag" >/dev/null || { missing=1; break; }; done
        [ "$missing" = 0 ] && { sleep 0.3; return 0; }   # let the sink finish writing
        postqueue -c "$CONF" -f >/dev/null 2>&1
        sleep 2
    done
    for tag in "$@"; do sink_file "$tag" >/dev/null || return 1; done
}

# ------------------------------------------------------------------ sending
# send NAME LOGIN FROM TO COUNT [smtp_send.py OPTIONS...]: one SMTP session
# to $SMTP_PORT (LOGIN empty: no XCLIENT LOGIN); the result lines (TAG
# RCPT-CODE DATA-CODE TEXT, tab-separated) land in $T/NAME.out
send() {
    local name=$1 login=$2 from=$3 to=$4 count=$5
    shift 5
    [ -n "$login" ] && set -- --login "$login" "$@"
    if ! timeout 90 "$PY" "$E2E_DIR/smtp_send.py" --port "$SMTP_PORT" --from "$from" \
            --to "$to" --count "$count" --tag "$name" "$@" >"$T/$name.out" 2>"$T/$name.err"; then
        echo "# smtp_send $name: $(tr '\n' ' ' < "$T/$name.err")"
        return 1
    fi
    sed "s/^/#   $name: /" "$T/$name.out"
}
# field TAG N: field N of the result line of message TAG
field() { awk -F '\t' -v t="$1" -v n="$2" '$1 == t { print $n }' "$T/${1%-*}.out"; }
# got TAG: what happened to message TAG, for failure messages
got() { echo "got RCPT $(field "$1" 2) DATA $(field "$1" 3): $(field "$1" 4)"; }
# accepted TAG: RCPT 2xx and DATA 250
accepted() { [ "$(field "$1" 2)" = 250 ] && [ "$(field "$1" 3)" = 250 ]; }
# text_has TAG WORD...: the reply text of TAG contains every WORD
text_has() {
    local text w
    text=$(field "$1" 4); shift
    for w in "$@"; do [[ $text == *"$w"* ]] || return 1; done
}

# ------------------------------------------------------------------ postfix
# write_postfix_config SMTP_PORT SINK_PORT: main.cf and master.cf of a
# private instance relaying everything to the sink; the "name = value" lines
# on stdin are added to main.cf, replacing the common ones of the same names
write_postfix_config() {
    local extra
    extra=$(cat)
    awk -v extra="$extra" '
        BEGIN { n = split(extra, l, "\n"); for (i = 1; i <= n; i++) if (match(l[i], /^[a-z0-9_]+ *=/)) { k = l[i]; sub(/ *=.*/, "", k); own[k] = 1 } }
        { k = $0; sub(/ *=.*/, "", k); if (!(k in own)) print }
        END { print extra }' > "$CONF/main.cf" <<EOF
# private instance of the sendwarden end-to-end test (loopback only)
compatibility_level = 3.6
queue_directory = $T/spool
data_directory = $T/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.e2e.sendwarden.test
mydomain = e2e.sendwarden.test
myorigin = \$myhostname
mydestination =
relay_domains =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_authorized_xclient_hosts = 127.0.0.1
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 100
smtpd_hard_error_limit = 200
smtpd_tls_security_level = none
# the only next hop is the local smtp-sink; no DNS
relayhost = [127.0.0.1]:$2
smtp_dns_support_level = disabled
smtp_tls_security_level = none
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
# no syslog daemon here: Postfix logs to this file through postlogd
maillog_file = $T/maillog
maillog_file_prefixes = $T
biff = no
append_dot_mydomain = no
readme_directory = no
EOF
    # every service runs unchrooted (chroot column "n")
    {
        echo "# service      type  private unpriv chroot wakeup maxproc command"
        echo "127.0.0.1:$1 inet n  -      n      -      -       smtpd"
        postfix_services
    } > "$CONF/master.cf"
}

# start_postfix_stack SMTP_PORT SINK_PORT MILTER_PORT: a private Postfix
# asking policyd (unix:$SOCK) at RCPT and END-OF-DATA and the milter on
# MILTER_PORT, tempfailing while either is gone (as contrib/postfix says),
# without Postfix's own client rate limits (all load comes from 127.0.0.1)
start_postfix_stack() {
    local policy="check_policy_service { unix:$SOCK, default_action=DEFER, timeout=10s }"
    write_postfix_config "$1" "$2" <<EOF
smtpd_recipient_restrictions = $policy
smtpd_end_of_data_restrictions = $policy
smtpd_milters = inet:127.0.0.1:$3
milter_default_action = tempfail
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
EOF
    start_postfix "$1"
}

# postfix(1) reports its problems to syslog unless stderr is a terminal:
# when a step fails, run it again under script(1) to capture the reason.
postfix_cmd() {
    timeout 60 postfix -c "$CONF" "$1" >>"$T/postfix-start.log" 2>&1 && return 0
    timeout 60 script -qc "postfix -c $CONF $1" /dev/null >>"$T/postfix-start.log" 2>&1
    return 1
}
have_master_pid() { [ -n "$(master_pid)" ]; }

# start_postfix SMTP_PORT: check, start, wait for the master and smtpd
start_postfix() {
    postfix_cmd check || die "postfix check: $(tail -n 3 "$T/postfix-start.log" | tr '\n' ' ')"
    POSTFIX_STARTED=1
    postfix_cmd start || die "postfix start: $(tail -n 3 "$T/postfix-start.log" | tr '\n' ' ')"
    wait_for 10 have_master_pid || die "Postfix master wrote no pid file"
    MASTER_PID=$(master_pid)
    wait_for 10 listening "$1" || die "Postfix smtpd not listening on 127.0.0.1:$1"
    ok "private Postfix started (master pid $MASTER_PID)"
}

# queued RECIPIENT QUEUE: number of messages for RECIPIENT in Postfix queue QUEUE
queued() {
    postqueue -c "$CONF" -j 2>/dev/null | "$PY" -c '
import json, sys
rcpt, queue = sys.argv[1], sys.argv[2]
n = 0
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("queue_name") == queue and any(
            r.get("address") == rcpt for r in m.get("recipients", [])):
        n += 1
print(n)' "$1" "$2"
}

# finish: the summary line and the exit status
finish() {
    echo "# runtime $(( $(date +%s) - T0 )) s"
    [ "$FAILED" = 0 ] || show_logs
    summary
    [ "$FAILED" = 0 ]
}
