#!/bin/bash
# milter-bench.sh — sendwarden's milter benchmark, run by `make bench-milter`
# (and by `make bench`, after the policy benchmark).
#
# Owns: a private Postfix on loopback (one smtpd listener per mode, each with
# its own smtpd_milters), smtp-sink as the next hop, the signing peers
# (sendwarden-milter with RSA-2048, with Ed25519, with both; Debian's opendkim
# with RSA-2048 and with Ed25519: the same keys, relaxed/relaxed and the same
# header lists for both; bench/milter-null, a libmilter milter that does
# nothing: what libmilter alone costs, the reason sendwarden speaks the
# protocol itself), smtp-source as the load, and in one run:
#   - end-to-end messages/s (smtp-source start -> last message delivered to
#     smtp-sink) for 4 KB and 100 KB messages, CONC sessions, one message per
#     SMTP session, every mode in every repetition (interleaved, so that
#     background load hits all modes alike);
#   - CPU per message of each milter (utime+stime of its process from
#     /proc/PID/stat over the timed run) and of Postfix (its master's process
#     tree, exited children included);
#   - the library floor (bench/dkim-floor: libopendkim per message, the bare
#     OpenSSL signature), once per repetition;
#   - PSS (/proc/PID/smaps_rollup) of each milter, running alone after a
#     warm-up, with HOLD SMTP sessions held mid-DATA (bench/smtp_hold.py);
#   - a verification of VERIFY_N captured messages per mode with python3-dkim
#     (bench/dkim_check.py), keys from the TXT lines keygen printed;
# and the table of figures and targets (PASS/MISS; a MISS does not fail the
# run). It builds nothing: `make bench-milter` builds the programs first.
#
# usage: bench/milter-bench.sh BUILDDIR
# env:   BENCH_QUICK=1  small counts for development (1 rep, few messages)
#        REPS=3         repetitions of every timed run (median reported)
#        N_4K=1000      messages per timed run, 4 KB
#        N_100K=300     messages per timed run, 100 KB
#        CONC=20        concurrent SMTP sessions of smtp-source
#        HOLD=100       sessions held open for the memory figure
#        VERIFY_N=10    messages verified per mode (half 4 KB, half 100 KB)
#        WARM_N=200     warm-up messages before each memory figure
#        LEAK_N=2000    4 KB messages between the idle PSS and the growth figure
#        FLOOR_SECS=1   CPU seconds of each dkim-floor loop, per repetition
#        MODES="none null sw-rsa sw-ed sw-both od-rsa od-ed"   (a subset while developing)
#        TLIMIT=300     wall-clock limit (s) of each timed run
#        OUT=BUILDDIR/bench/results  where milter-table.md, milter-results.tsv,
#                       milter-raw.txt and milter-logs/ go
#        KEEP=1         keep the scratch directory (/tmp/sw-mbench.*)
#        SW_MILTER_PREFIX="valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p"
#                       a command put before sendwarden-milter (profiling; the
#                       CPU figures are then of the profiler, not of the milter)
# Needs root (a private Postfix instance, opendkim's own user) and the
# Debian packages of contrib/deps.sh: postfix, opendkim, python3-dkim, openssl.
# Everything listens on 127.0.0.1 or unix sockets; Postfix's SMTP client has
# DNS disabled and relays to [127.0.0.1]:port; the milter's resolver points
# at a loopback port where nothing answers (it has no reason to ask).
# Exit status: 0 when everything ran (targets met or not: the table says),
# 1 when something failed to run or a signature did not verify, 2 usage.
set -u

BUILD=${1:-}
[ -n "$BUILD" ] && [ -d "$BUILD" ] || { echo "usage: $0 BUILDDIR" >&2; exit 2; }
BUILD=$(cd "$BUILD" && pwd)
SRC=$(cd "$(dirname "$0")" && pwd)
# the master.cf service table shared with the end-to-end tests
. "$SRC/../tests/e2e/postfix_services.sh"
SWMILTER=$BUILD/src/milter/sendwarden-milter
SWCLI=$BUILD/src/cli/sendwarden
FLOOR=$BUILD/bench/dkim-floor
NULLMILTER=$BUILD/bench/milter-null
PY=/usr/bin/python3          # Debian's python3, with python3-dkim

if [ "${BENCH_QUICK:-0}" = 1 ]; then
    : "${REPS:=1}" "${N_4K:=200}" "${N_100K:=80}" "${VERIFY_N:=4}" "${WARM_N:=50}" "${FLOOR_SECS:=0.3}" "${LEAK_N:=300}"
fi
REPS=${REPS:-3}
N_4K=${N_4K:-1000}
N_100K=${N_100K:-300}
CONC=${CONC:-20}
HOLD=${HOLD:-100}
VERIFY_N=${VERIFY_N:-10}
WARM_N=${WARM_N:-200}
LEAK_N=${LEAK_N:-2000}
FLOOR_SECS=${FLOOR_SECS:-1}
MODES=${MODES:-"none null sw-rsa sw-ed sw-both od-rsa od-ed"}
TLIMIT=${TLIMIT:-300}
OUT=${OUT:-$BUILD/bench/results}
DOMAIN=bench.test

log() { echo "milter-bench: $*" >&2; }
die() { log "$*"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "milter-bench: needs root (it runs a private Postfix instance and opendkim as its own user); run: sudo make bench-milter" >&2; exit 2; }
if [ ! -x "$NULLMILTER" ] && case " $MODES " in *" null "*) true ;; *) false ;; esac; then
    echo "milter-bench: no $NULLMILTER (libmilter-dev not installed): running without the libmilter reference" >&2
    MODES=$(sed 's/\bnull\b//' <<<"$MODES")
fi
for f in "$SWMILTER" "$SWCLI" "$FLOOR"; do
    [ -x "$f" ] || die "$f is missing (run 'make bench-milter')"
done
for c in postfix postconf smtp-source smtp-sink opendkim openssl ss; do
    command -v $c >/dev/null || die "$c is missing (contrib/deps.sh installs postfix, opendkim, openssl, iproute2)"
done
$PY -c 'import dkim, nacl' 2>/dev/null || die "$PY cannot import dkim and nacl (apt-get install python3-dkim)"
getent passwd opendkim >/dev/null && getent group postfix >/dev/null || die "users opendkim and postfix are missing (reinstall opendkim, postfix)"
for m in $MODES; do
    case $m in none|null|sw-rsa|sw-ed|sw-both|od-rsa|od-ed) ;; *) echo "milter-bench: unknown mode $m" >&2; exit 2 ;; esac
done

W=$(mktemp -d /tmp/sw-mbench.XXXXXX) || exit 1
chmod 755 "$W"
mkdir -p "$OUT"
RES=$OUT/milter-results.tsv
RAW=$OUT/milter-raw.txt
: > "$RAW"
printf 'mode\tsize\trep\tcount\tinject_s\te2e_s\tmsgs_per_s\tmilter_ticks\tpostfix_ticks\tbusy_pct\terrors\tmilter_sys_ticks\n' > "$RES"
FAILED=0
fail() { log "FAILED: $*"; echo "$*" >> "$W/failures"; FAILED=1; }
raw() { echo "$*" >> "$RAW"; echo "$*"; }
HZ=$(getconf CLK_TCK)

# ---------------------------------------------------------------- processes
# Every process we start is remembered by PID and stopped, with its process
# tree, by PID (never by name). Postfix is stopped with `postfix stop`, then
# its master's tree by PID if anything is left.
declare -A MPID=()          # mode -> milter PID
SINK_PIDS="" HOLD_PID="" MASTER_PID=""
tree_pids() {  # PID and all of its descendants
    ps -eo pid=,ppid= | awk -v root="$1" '
        { par[$1] = $2 }
        END { if (!(root in par)) exit; seen[root] = 1; print root
              do { more = 0
                   for (p in par) if (!(p in seen) && (par[p] in seen)) { seen[p] = 1; print p; more = 1 }
              } while (more) }'
}
stop_tree() {
    local pids p alive="" i
    [ -n "${1:-}" ] || return 0
    pids=$(tree_pids "$1")
    [ -z "$pids" ] && return 0
    kill -TERM $pids 2>/dev/null
    for i in $(seq 1 50); do       # opendkim takes a few seconds after SIGTERM
        alive=""
        for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
        [ -z "$alive" ] && return 0
        sleep 0.2
    done
    log "killing$alive (did not stop within 10 s of SIGTERM)"
    kill -KILL $alive 2>/dev/null
    return 0
}
stop_milter() {
    local m=$1
    [ -n "${MPID[$m]:-}" ] || return 0
    stop_tree "${MPID[$m]}"
    MPID[$m]=""
}
stop_postfix() {
    [ -f "$W/pf/etc/main.cf" ] || return 0
    postfix -c "$W/pf/etc" stop >/dev/null 2>&1
    if [ -n "$MASTER_PID" ]; then
        for _ in $(seq 1 50); do kill -0 "$MASTER_PID" 2>/dev/null || break; sleep 0.1; done
        stop_tree "$MASTER_PID"
        MASTER_PID=""
    fi
}
cleanup() {
    local m p
    [ -n "$HOLD_PID" ] && stop_tree "$HOLD_PID"
    for m in "${!MPID[@]}"; do stop_milter "$m"; done
    stop_postfix
    for p in $SINK_PIDS; do stop_tree "$p"; done
    SINK_PIDS=""
    if [ -d "$W" ]; then
        rm -rf "$OUT/milter-logs"; mkdir -p "$OUT/milter-logs"
        cp "$W"/*.log "$W/pf/maillog" "$W"/keys/*.keygen "$OUT/milter-logs/" 2>/dev/null
        [ "${KEEP:-0}" = 1 ] && log "scratch directory kept: $W" || rm -rf "$W"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    local p i
    for i in $(seq 1 100); do
        p=$(( 20000 + RANDOM % 30000 ))
        case " $USED_PORTS " in *" $p "*) continue ;; esac
        ss -Htan "sport = :$p" 2>/dev/null | grep -q . && continue
        USED_PORTS="$USED_PORTS $p"; echo "$p"; return 0
    done
    return 1
}
USED_PORTS=""
wait_listen() {  # unix path or TCP port; up to $2 seconds; gives up early when PID $3 exits
    local i
    for i in $(seq 1 $(( ${2:-10} * 10 ))); do
        [ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null && return 1
        case "$1" in
            /*) [ -S "$1" ] && return 0 ;;
            *) ss -Hltn "sport = :$1" 2>/dev/null | grep -q LISTEN && return 0 ;;
        esac
        sleep 0.1
    done
    return 1
}
# CPU ticks from /proc/PID/stat files, read by one awk (a fork per process
# would take seconds with Postfix's ~150 processes): FIELDS is "utime+stime",
# "stime" or "all" (utime+stime+cutime+cstime: reaped children included)
stat_ticks() {
    local fields=$1; shift
    [ $# -gt 0 ] || { echo 0; return; }
    awk -v w="$fields" '{ sub(/^.*\) /, ""); split($0, f, " ")
        s += (w == "stime") ? f[13] : (w == "all") ? f[12] + f[13] + f[14] + f[15] : f[12] + f[13] }
        END { print s + 0 }' "$@" 2>/dev/null
}
proc_ticks() { stat_ticks utime+stime "/proc/$1/stat"; }   # one process, all its threads (living and exited)
proc_sys_ticks() { stat_ticks stime "/proc/$1/stat"; }     # stime alone
tree_ticks() {   # a process tree, its reaped children included
    local files=() p
    for p in $(tree_pids "$1"); do [ -r "/proc/$p/stat" ] && files+=("/proc/$p/stat"); done
    stat_ticks all "${files[@]}"
}
cpu_stat() { awk '/^cpu /{ print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8 }' /proc/stat; }  # busy total

# ---------------------------------------------------------------- keys, messages
mkdir -p "$W/keys" "$W/msg" "$W/verify"
"$SWCLI" keygen --domain "$DOMAIN" --selector brsa --algorithm rsa-2048 --dir "$W/keys" > "$W/keys/brsa.keygen" 2>"$W/keygen.log" &&
"$SWCLI" keygen --domain "$DOMAIN" --selector bed --algorithm ed25519 --dir "$W/keys" > "$W/keys/bed.keygen" 2>>"$W/keygen.log" ||
    die "sendwarden keygen failed: $(cat "$W/keygen.log")"
grep -q 'IN TXT' "$W/keys/brsa.keygen" && grep -q 'IN TXT' "$W/keys/bed.keygen" || die "keygen printed no TXT record"
RECORDS=(--records "$W/keys/brsa.keygen" --records "$W/keys/bed.keygen")

make_message() {  # FILE TOTAL_BYTES LABEL: a plain-text message of exactly TOTAL_BYTES (LF line ends)
    awk -v total="$2" -v label="$3" -v dom="$DOMAIN" -v date="$(date -R)" 'BEGIN {
        h = "From: Bench Sender <sender@" dom ">\n" \
            "To: Bench Recipient <rcpt@sink.test>\n" \
            "Subject: sendwarden milter benchmark, " label " message\n" \
            "Date: " date "\n" \
            "Message-ID: <bench-" label "@" dom ">\n" \
            "MIME-Version: 1.0\n" \
            "Content-Type: text/plain; charset=us-ascii\n" \
            "Content-Transfer-Encoding: 7bit\n\n"
        printf "%s", h; n = length(h)
        for (i = 1; n < total; i++) {
            line = sprintf("%05d The quick brown fox jumps over the lazy dog; 0123456789 ABCDEFGHIJKLMNOP", i)
            if (n + length(line) + 1 > total) line = substr(line, 1, total - n - 1)
            printf "%s\n", line; n += length(line) + 1
        }
    }' > "$1"
}
make_message "$W/msg/m4k.eml" 4096 4k
make_message "$W/msg/m100k.eml" 102400 100k
declare -A MSGFILE=([4k]=$W/msg/m4k.eml [100k]=$W/msg/m100k.eml)
declare -A NCOUNT=([4k]=$N_4K [100k]=$N_100K)
SIZES="4k 100k"

# ---------------------------------------------------------------- milters
declare -A SPEC=() ALGS=()
start_sw() {  # MODE: sendwarden-milter with the keys of that mode
    local m=$1 d=$W/$1 pid
    mkdir -p "$d/policy" "$d/state"
    {
        echo "# $m: signing table of the benchmark (the keys keygen wrote)"
        case $m in
            sw-rsa) echo "$DOMAIN brsa rsa-sha256 $W/keys/brsa.private" ;;
            sw-ed) echo "$DOMAIN bed ed25519-sha256 $W/keys/bed.private" ;;
            sw-both) echo "$DOMAIN brsa rsa-sha256 $W/keys/brsa.private"
                     echo "$DOMAIN bed ed25519-sha256 $W/keys/bed.private" ;;
        esac
    } > "$d/policy/signing"
    # max_sessions_per_client: the memory figure holds $HOLD sessions from
    # 127.0.0.1, more than the default cap of 50 per client.
    cat > "$d/sendwarden.conf" <<EOF
[global]
policy_dir = $d/policy

[store]
state_dir = $d/state

[dns]
# nothing listens there: the milter has no reason to resolve in this benchmark
server = 127.0.0.1:9

[milter]
socket = unix:$d/milter.sock
socket_mode = 0660
socket_group = postfix
internal_hosts = 127.0.0.0/8
max_sessions_per_client = 0
threads = ${SW_MILTER_THREADS:-0}
EOF
    ${SW_MILTER_PREFIX:-} "$SWMILTER" -c "$d/sendwarden.conf" --foreground >>"$W/$m.log" 2>&1 &
    pid=$!
    wait_listen "$d/milter.sock" 60 "$pid" || { fail "$m: sendwarden-milter did not start: $(tail -3 "$W/$m.log")"; return 1; }
    MPID[$m]=$pid
}
start_od() {  # MODE: opendkim, one algorithm per process, with copies of the same keys
    local m=$1 d=$W/$1 sel alg pid
    case $m in
        od-rsa) sel=brsa alg=rsa-sha256 ;;
        od-ed) sel=bed alg=ed25519-sha256 ;;
    esac
    mkdir -p "$d"
    # opendkim runs as its own user: it signs with a copy of the key keygen wrote
    cp "$W/keys/$sel.private" "$d/$sel.private"
    chown -R opendkim:opendkim "$d"; chmod 600 "$d/$sel.private"
    mkdir -p "$d/run"; chown opendkim:opendkim "$d/run"; chmod 755 "$d/run"; chmod 711 "$d"
    cat > "$d/opendkim.conf" <<EOF
# $m: opendkim as the benchmark's signing peer
Syslog              no
Mode                s
Domain              $DOMAIN
Selector            $sel
KeyFile             $d/$sel.private
SignatureAlgorithm  $alg
Canonicalization    relaxed/relaxed
$OD_LISTS
InternalHosts       127.0.0.1
Socket              local:$d/run/milter.sock
UMask               000
UserID              opendkim:opendkim
PidFile             $d/run/opendkim.pid
Background          no
# the key lives under /tmp: opendkim's safe-key check refuses that
RequireSafeKeys     false
EOF
    opendkim -f -x "$d/opendkim.conf" >>"$W/$m.log" 2>&1 &
    pid=$!
    wait_listen "$d/run/milter.sock" 20 "$pid" || { fail "$m: opendkim did not start: $(tail -3 "$W/$m.log")"; return 1; }
    MPID[$m]=$pid
}
start_null() {  # the protocol floor: a libmilter milter that does nothing
    local d=$W/null pid
    mkdir -p "$d"
    "$NULLMILTER" "unix:$d/milter.sock" >>"$W/null.log" 2>&1 &
    pid=$!
    wait_listen "$d/milter.sock" 20 "$pid" || { fail "null: milter-null did not start: $(tail -3 "$W/null.log")"; return 1; }
    MPID[null]=$pid
}
start_milter() {
    case $1 in
        null) start_null ;;
        sw-*) start_sw "$1" ;;
        od-*) start_od "$1" ;;
        none) return 0 ;;
    esac
}
# opendkim signs the same header fields as sendwarden (the lists of DkimLib)
OD_LISTS=$("$FLOOR" --opendkim-lists) || die "dkim-floor --opendkim-lists failed"
for m in $MODES; do
    case $m in
        none) SPEC[$m]="" ALGS[$m]=none ;;
        null) SPEC[$m]="unix:$W/null/milter.sock" ALGS[$m]=none ;;
        sw-*) SPEC[$m]="unix:$W/$m/milter.sock" ;;
        od-*) SPEC[$m]="unix:$W/$m/run/milter.sock" ;;
    esac
    case $m in
        sw-rsa|od-rsa) ALGS[$m]=rsa-sha256 ;;
        sw-ed|od-ed) ALGS[$m]=ed25519-sha256 ;;
        sw-both) ALGS[$m]=rsa-sha256,ed25519-sha256 ;;
    esac
done

# ---------------------------------------------------------------- postfix
declare -A PORT=()
SINK_PORT=$(free_port) && VSINK_PORT=$(free_port) || die "no free port"
for m in $MODES; do PORT[$m]=$(free_port) || die "no free port"; done
mkdir -p "$W/pf/etc" "$W/pf/spool" "$W/pf/data" "$W/sink"
chown postfix "$W/pf/data"
chown nobody:nogroup "$W/sink"
cat > "$W/pf/etc/main.cf" <<EOF
# private benchmark instance (bench/milter-bench.sh): loopback only
compatibility_level = 3.6
queue_directory = $W/pf/spool
data_directory = $W/pf/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mbench.localdomain
mydomain = localdomain
myorigin = \$myhostname
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
# every message goes to smtp-sink on loopback: the timed ones to one that
# discards, the verification sample to one that keeps them
relayhost = [127.0.0.1]:$SINK_PORT
transport_maps = inline:{verify.test=smtp:[127.0.0.1]:$VSINK_PORT}
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtp_tls_security_level = none
smtpd_tls_security_level = none
maillog_file = $W/pf/maillog
maillog_file_prefixes = /tmp, /var, /dev/stdout
biff = no
append_dot_mydomain = no
readme_directory = no
smtpd_milters =
non_smtpd_milters =
milter_protocol = 6
milter_default_action = tempfail
EOF
{
    for m in $MODES; do
        printf '127.0.0.1:%s inet n - n - 150 smtpd -o syslog_name=postfix/%s -o smtpd_milters=%s\n' \
            "${PORT[$m]}" "$m" "${SPEC[$m]}"
    done
    postfix_services
} > "$W/pf/etc/master.cf"
ML=$W/pf/maillog

smtp-sink -u nobody -h sink.localdomain -m 512 "127.0.0.1:$SINK_PORT" 512 >"$W/sink.log" 2>&1 &
SINK_PIDS="$SINK_PIDS $!"
smtp-sink -u nobody -h vsink.localdomain -m 64 -d "$W/sink/msg." "127.0.0.1:$VSINK_PORT" 64 >"$W/vsink.log" 2>&1 &
SINK_PIDS="$SINK_PIDS $!"
wait_listen "$SINK_PORT" 10 && wait_listen "$VSINK_PORT" 10 || die "smtp-sink did not start: $(cat "$W/sink.log" "$W/vsink.log")"

for m in $MODES; do start_milter "$m" || exit 1; done

# postfix(1) reports only to syslog unless stderr is a tty: rerun under script(1) to see why it failed
pfx() {
    postfix -c "$W/pf/etc" "$1" >"$W/postfix-$1.log" 2>&1 && return 0
    script -qc "postfix -c $W/pf/etc $1" /dev/null >>"$W/postfix-$1.log" 2>&1
    die "postfix $1 failed: $(tail -5 "$W/postfix-$1.log")"
}
pfx check
pfx start
for _ in $(seq 1 50); do [ -s "$W/pf/spool/pid/master.pid" ] && break; sleep 0.1; done
MASTER_PID=$(tr -d ' ' < "$W/pf/spool/pid/master.pid" 2>/dev/null)
[ -n "$MASTER_PID" ] || die "Postfix did not write its master pid"
for m in $MODES; do
    wait_listen "${PORT[$m]}" 10 || die "Postfix does not listen on 127.0.0.1:${PORT[$m]}; maillog: $(tail -5 "$ML" 2>/dev/null)"
done

# ---------------------------------------------------------------- runs
ml_size() { stat -c %s "$ML" 2>/dev/null || echo 0; }
# status=sent lines logged after byte offset $1 of the maillog
sent_since() { tail -c +$(( $1 + 1 )) "$ML" 2>/dev/null | grep -c 'status=sent'; }
problems_since() { tail -c +$(( $1 + 1 )) "$ML" 2>/dev/null | grep -c -E 'status=(deferred|bounced)|milter-reject|reject:|warning: milter|fatal|panic'; }
wait_sent() {  # OFFSET COUNT TIMEOUT_S
    local end=$(( $(date +%s) + $3 ))
    while [ "$(sent_since "$1")" -lt "$2" ]; do
        [ "$(date +%s)" -ge "$end" ] && return 1
        sleep 0.05
    done
}

# verify MODE: VERIFY_N messages (half 4 KB, half 100 KB) to the capturing sink, checked with python3-dkim
verify_mode() {
    local m=$1 off n4 n100 d=$W/verify/$1 line
    n100=$(( VERIFY_N / 2 )); n4=$(( VERIFY_N - n100 ))
    off=$(ml_size)
    rm -f "$W"/sink/msg.*
    timeout 120 smtp-source -s 2 -m "$n4" -f "sender@$DOMAIN" -t rcpt@verify.test -F "${MSGFILE[4k]}" "127.0.0.1:${PORT[$m]}" >>"$W/source-verify.log" 2>&1 &&
    { [ "$n100" = 0 ] || timeout 120 smtp-source -s 2 -m "$n100" -f "sender@$DOMAIN" -t rcpt@verify.test -F "${MSGFILE[100k]}" "127.0.0.1:${PORT[$m]}" >>"$W/source-verify.log" 2>&1; } ||
        { fail "$m: smtp-source (verification sample) failed: $(tail -2 "$W/source-verify.log")"; return 1; }
    wait_sent "$off" "$VERIFY_N" 120 || { fail "$m: verification sample not delivered: $(tail -c +$((off + 1)) "$ML" | grep -E 'warning|error|reject|deferred' | tail -3)"; return 1; }
    sleep 0.3
    mkdir -p "$d"; mv "$W"/sink/msg.* "$d/" 2>/dev/null
    line=$($PY "$SRC/dkim_check.py" "${RECORDS[@]}" --expect "${ALGS[$m]}" --label "$m" "$d"/msg.* 2>&1 | tee "$W/verify-$m.log" | tail -1)
    raw "VERIFY mode=$m ${line#CHECK label=$m }"
    VERDICT[$m]=$line
    grep -q '^CHECK .* failed=0 tamper=\(detected\|skipped\)$' <<<"$line" && [ "$(ls "$d" | wc -l)" = "$VERIFY_N" ] ||
        { fail "$m: DKIM verification: $line (see milter-logs/verify-$m.log)"; sed -n 1,5p "$W/verify-$m.log" >&2; return 1; }
}
declare -A VERDICT=()

# timed MODE SIZE REP: one timed run
timed() {
    local m=$1 size=$2 rep=$3 n=${NCOUNT[$2]} off mt0=0 mt1=0 ms0=0 ms1=0 pt0 pt1 b0 a0 b1 a1 t0 t1 t2 got errs line
    off=$(ml_size)
    [ -n "${MPID[$m]:-}" ] && mt0=$(proc_ticks "${MPID[$m]}") && ms0=$(proc_sys_ticks "${MPID[$m]}")
    pt0=$(tree_ticks "$MASTER_PID")
    read -r b0 a0 < <(cpu_stat)
    t0=$(date +%s.%N)
    local wait_s=$TLIMIT
    timeout -k 5 "$TLIMIT" smtp-source -s "$CONC" -m "$n" -f "sender@$DOMAIN" -t rcpt@sink.test -F "${MSGFILE[$size]}" \
        "127.0.0.1:${PORT[$m]}" >"$W/source-$m-$size-$rep.log" 2>&1 ||
        { fail "$m $size rep $rep: smtp-source: $(tail -2 "$W/source-$m-$size-$rep.log")"; wait_s=5; }
    t1=$(date +%s.%N)
    wait_sent "$off" "$n" "$wait_s" || fail "$m $size rep $rep: only $(sent_since "$off") of $n delivered within ${wait_s}s"
    t2=$(date +%s.%N)
    [ -n "${MPID[$m]:-}" ] && mt1=$(proc_ticks "${MPID[$m]}") && ms1=$(proc_sys_ticks "${MPID[$m]}")
    pt1=$(tree_ticks "$MASTER_PID")
    read -r b1 a1 < <(cpu_stat)
    got=$(sent_since "$off"); errs=$(problems_since "$off")
    [ "$errs" = 0 ] || fail "$m $size rep $rep: $errs problem line(s) in the maillog: $(tail -c +$((off + 1)) "$ML" | grep -E 'deferred|bounced|reject|warning: milter|fatal|panic' | head -2)"
    if [ -n "${MPID[$m]:-}" ] && ! kill -0 "${MPID[$m]}" 2>/dev/null; then fail "$m: the milter (pid ${MPID[$m]}) died"; fi
    line=$(awk -v n="$got" -v t0="$t0" -v t1="$t1" -v t2="$t2" -v hz="$HZ" -v ml=$((mt1 - mt0)) -v pf=$((pt1 - pt0)) \
        -v db=$((b1 - b0)) -v da=$((a1 - a0)) 'BEGIN {
        printf "%.3f\t%.3f\t%.1f\t%d\t%d\t%.0f", t1 - t0, t2 - t0, n / (t2 - t0), ml, pf, (da > 0) ? 100 * db / da : 0 }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$m" "$size" "$rep" "$got" "$line" "$errs" $((ms1 - ms0)) >> "$RES"
    IFS=$'\t' read -r _ e2e mps mtk ptk busy <<<"$line"
    raw "$(printf 'RUN mode=%s size=%s rep=%s msgs=%s e2e_s=%s msgs_per_s=%s milter_cpu_ms=%s milter_sys_ms=%s postfix_cpu_ms=%s busy_pct=%s problems=%s' \
        "$m" "$size" "$rep" "$got" "$e2e" "$mps" \
        "$(awk -v t="$mtk" -v n="$got" -v hz="$HZ" 'BEGIN { printf "%.3f", n ? 1000 * t / hz / n : 0 }')" \
        "$(awk -v t=$((ms1 - ms0)) -v n="$got" -v hz="$HZ" 'BEGIN { printf "%.3f", n ? 1000 * t / hz / n : 0 }')" \
        "$(awk -v t="$ptk" -v n="$got" -v hz="$HZ" 'BEGIN { printf "%.3f", n ? 1000 * t / hz / n : 0 }')" "$busy" "$errs")"
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
T_START=$(date +%s)
log "work dir $W; modes: $MODES; $REPS rep(s) of ${N_4K} x 4 KB and ${N_100K} x 100 KB at $CONC sessions; load average $LOAD_START"

# verification sample of every mode first (it also warms every path up)
for m in $MODES; do verify_mode "$m"; done

for rep in $(seq 1 "$REPS"); do
    "$FLOOR" --secs "$FLOOR_SECS" --domain "$DOMAIN" --key "rsa-sha256:brsa:$W/keys/brsa.private" \
        --key "ed25519-sha256:bed:$W/keys/bed.private" "${MSGFILE[4k]}" "${MSGFILE[100k]}" > "$W/floor-$rep.txt" 2>&1 ||
        fail "dkim-floor failed: $(tail -2 "$W/floor-$rep.txt")"
    while read -r l; do raw "$l rep=$rep"; done < <(grep '^FLOOR ' "$W/floor-$rep.txt")
    for size in $SIZES; do
        for m in $MODES; do
            timed "$m" "$size" "$rep"
            sleep 0.5
        done
    done
done

# ---------------------------------------------------------------- memory
# Each milter alone (so that no other instance of its binary shares its
# pages), started afresh, warmed up with WARM_N messages of each size, then
# HOLD sessions held mid-DATA: PSS and RSS from /proc/PID/smaps_rollup.
for m in $MODES; do stop_milter "$m"; done
declare -A PSS=() RSS=() PSS_IDLE=() PSS_GROWTH=() THREADS=() CONNS=()
sock_fds() { find "/proc/$1/fd" -lname 'socket:*' 2>/dev/null | wc -l; }
smaps() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/smaps_rollup" 2>/dev/null; }   # PID Pss|Rss (kB)
for m in $MODES; do
    [ "$m" = none ] && continue
    start_milter "$m" || continue
    pid=${MPID[$m]}
    off=$(ml_size)
    timeout 120 smtp-source -s "$CONC" -m "$WARM_N" -f "sender@$DOMAIN" -t rcpt@sink.test -F "${MSGFILE[4k]}" "127.0.0.1:${PORT[$m]}" >"$W/source-warm.log" 2>&1 &&
    timeout 120 smtp-source -s "$CONC" -m "$(( WARM_N / 4 + 1 ))" -f "sender@$DOMAIN" -t rcpt@sink.test -F "${MSGFILE[100k]}" "127.0.0.1:${PORT[$m]}" >>"$W/source-warm.log" 2>&1 ||
        fail "$m: warm-up smtp-source failed: $(tail -2 "$W/source-warm.log")"
    wait_sent "$off" $(( WARM_N + WARM_N / 4 + 1 )) 120 || fail "$m: warm-up messages not delivered"
    sleep 1
    PSS_IDLE[$m]=$(smaps "$pid" Pss)
    # growth over LEAK_N more messages (a leak per message shows here)
    off=$(ml_size)
    timeout 300 smtp-source -s "$CONC" -m "$LEAK_N" -f "sender@$DOMAIN" -t rcpt@sink.test -F "${MSGFILE[4k]}" "127.0.0.1:${PORT[$m]}" >>"$W/source-warm.log" 2>&1 ||
        fail "$m: leak-check smtp-source failed: $(tail -2 "$W/source-warm.log")"
    wait_sent "$off" "$LEAK_N" 300 || fail "$m: leak-check messages not delivered"
    sleep 1
    PSS_GROWTH[$m]=$(awk -v a="${PSS_IDLE[$m]:-0}" -v b="$(smaps "$pid" Pss)" -v n="$LEAK_N" 'BEGIN { printf "%.0f", (b - a) * 1024 / n }')
    base_socks=$(sock_fds "$pid")
    rm -f "$W/hold.fifo"; mkfifo "$W/hold.fifo"
    $PY "$SRC/smtp_hold.py" --port "${PORT[$m]}" --sessions "$HOLD" --from "sender@$DOMAIN" --hold-secs 120 \
        < "$W/hold.fifo" > "$W/hold-$m.out" 2>"$W/hold-$m.log" &
    HOLD_PID=$!
    exec 7>"$W/hold.fifo"     # the hold ends when this is closed
    for _ in $(seq 1 300); do grep -q '^HELD' "$W/hold-$m.out" && break; kill -0 "$HOLD_PID" 2>/dev/null || break; sleep 0.1; done
    held=$(sed -n 's/^HELD //p' "$W/hold-$m.out")
    # Postfix opens one milter connection per SMTP session (at CONNECT):
    # wait until the milter has all of them (Debian's libmilter serves them
    # from a pool of worker threads, so count sockets, not threads)
    for _ in $(seq 1 100); do
        CONNS[$m]=$(( $(sock_fds "$pid") - base_socks ))
        [ "${CONNS[$m]}" -ge "${held:-0}" ] && break
        sleep 0.1
    done
    sleep 0.5
    PSS[$m]=$(smaps "$pid" Pss); RSS[$m]=$(smaps "$pid" Rss)
    CONNS[$m]=$(( $(sock_fds "$pid") - base_socks ))
    THREADS[$m]=$(awk '/^Threads:/ { print $2 }' "/proc/$pid/status")
    exec 7>&-
    for _ in $(seq 1 100); do grep -q RELEASED "$W/hold-$m.out" && break; sleep 0.1; done
    stop_tree "$HOLD_PID"; HOLD_PID=""
    [ "${held:-0}" = "$HOLD" ] || fail "$m: only ${held:-0} of $HOLD sessions held: $(head -2 "$W/hold-$m.log")"
    [ "${CONNS[$m]}" -ge "$HOLD" ] || fail "$m: the milter had only ${CONNS[$m]} connections for $HOLD held sessions"
    raw "MEM mode=$m sessions=${held:-0} milter_connections=${CONNS[$m]} threads=${THREADS[$m]} pss_kb=${PSS[$m]:-0} rss_kb=${RSS[$m]:-0} pss_idle_kb=${PSS_IDLE[$m]:-0} pss_growth_b_per_msg=${PSS_GROWTH[$m]:-}"
    stop_milter "$m"
done

# ---------------------------------------------------------------- table
# medians and ratios from milter-results.tsv and the FLOOR lines
med_col() {  # MODE SIZE COLUMN: median over the reps
    awk -F'\t' -v m="$1" -v s="$2" -v col="$3" '
        NR == 1 { for (i = 1; i <= NF; i++) idx[$i] = i; next }
        $1 == m && $2 == s { v[n++] = $idx[col] }
        END { if (!n) { print ""; exit }
              for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (v[j] + 0 < v[i] + 0) { x = v[i]; v[i] = v[j]; v[j] = x }
              print (n % 2) ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2 }' "$RES"
}
cpu_ms() {  # MODE SIZE milter|postfix|sys: CPU ms per message over every rep (ticks summed)
    awk -F'\t' -v m="$1" -v s="$2" -v w="$3" -v hz="$HZ" '
        NR > 1 && $1 == m && $2 == s { t += (w == "milter") ? $8 : (w == "sys") ? $12 : $9; n += $4 }
        END { if (n) printf "%.3f", 1000 * t / hz / n }' "$RES"
}
rep_ratio() {  # NUM_MODE DEN_MODE SIZE: median over reps of msgs/s ratio (same rep)
    awk -F'\t' -v a="$1" -v b="$2" -v s="$3" '
        NR > 1 && $2 == s && $1 == a { x[$3] = $7 }
        NR > 1 && $2 == s && $1 == b { y[$3] = $7 }
        END { for (r in x) if ((r in y) && y[r] > 0) v[n++] = x[r] / y[r]
              if (!n) exit
              for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
              printf "%.2f", (n % 2) ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2 }' "$RES"
}
floor_ms() {  # SIZE ALG FIELD: median over reps
    local f
    case $1 in 4k) f=m4k.eml ;; 100k) f=m100k.eml ;; esac
    grep "^FLOOR msg=$f .* alg=$2 " "$RAW" | sed "s/.* $3=\([^ ]*\).*/\1/" | sort -g |
        awk '{ v[n++] = $1 } END { if (n) printf "%.3f", (n % 2) ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2 }'
}
sub() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b != "") printf "%.3f", a - b }'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b != "" && b + 0 > 0) printf "%.2f", a / b }'; }
add() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b != "") printf "%.3f", a + b }'; }
mb() { awk -v k="$1" 'BEGIN { if (k != "") printf "%.1f", k / 1024 }'; }
verdict() {  # VALUE OP LIMIT -> PASS/MISS/n/a
    [ -n "$1" ] || { echo "n/a"; return; }
    awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { ok = (op == "<=") ? v <= l : (op == ">=") ? v >= l : (op == "<") ? v < l : 0
        print ok ? "PASS" : "**MISS**" }'
}
has() { case " $MODES " in *" $1 "*) return 0 ;; esac; return 1; }
label() {
    case $1 in
        none) echo "Postfix alone" ;; null) echo "libmilter null milter" ;; sw-rsa) echo "sendwarden RSA-2048" ;; sw-ed) echo "sendwarden Ed25519" ;;
        sw-both) echo "sendwarden RSA-2048 + Ed25519" ;; od-rsa) echo "OpenDKIM RSA-2048" ;; od-ed) echo "OpenDKIM Ed25519" ;;
    esac
}
floor_of() {  # MODE SIZE FIELD: the floor for the keys of that mode
    case $1 in
        *-rsa) floor_ms "$2" rsa-sha256 "$3" ;;
        *-ed) floor_ms "$2" ed25519-sha256 "$3" ;;
        sw-both) add "$(floor_ms "$2" rsa-sha256 "$3")" "$(floor_ms "$2" ed25519-sha256 "$3")" ;;
    esac
}

TABLE=$OUT/milter-table.md
SECS=$(( $(date +%s) - T_START ))
{
    echo "## sendwarden milter benchmark ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $REPS rep(s), ${SECS}s)"
    echo
    echo "Load average at the start: $LOAD_START, at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine makes every figure noisier; compare ratios)."
    echo
    echo "smtp-source -> Postfix $(postconf -d -h mail_version 2>/dev/null) on 127.0.0.1 -> smtp-sink; $CONC concurrent sessions, one message per session;"
    echo "$N_4K messages of 4 KB and $N_100K of 100 KB per run, every mode in every repetition. Throughput: median over repetitions;"
    echo "CPU: utime+stime of the milter process (/proc/PID/stat) over all timed runs / messages; Postfix: its master's process tree."
    echo "Both milters: same keys, relaxed/relaxed, the same signed and oversigned header lists; opendkim $(dpkg-query -W -f='${Version}' opendkim 2>/dev/null)."
    echo "Floor: bench/dkim-floor, CPU time per signature, median over repetitions. libmilter null milter: bench/milter-null,"
    echo "Debian's libmilter with the same negotiation as sendwarden-milter and no work: what libmilter alone costs per message"
    echo "(sendwarden-milter speaks the protocol itself). sendwarden-milter runs with [milter] threads = ${SW_MILTER_THREADS:-0} (0: one per CPU)."
    echo
    echo "| mode | size | msgs/s | vs Postfix alone | milter CPU ms/msg | of which kernel | floor ms (libopendkim) | milter / floor | Postfix CPU ms/msg | verified |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---|"
    for size in $SIZES; do
        for m in $MODES; do
            mc=$(cpu_ms "$m" "$size" milter); fl=$(floor_of "$m" "$size" lib_ms); sy=$(cpu_ms "$m" "$size" sys)
            [ "$m" = none ] && mc="-" sy="-"
            v=${VERDICT[$m]:-"not run"}
            v=$(sed -n 's/^CHECK label=[^ ]* messages=\([0-9]*\) signatures=\([0-9]*\) passed=\([0-9]*\) failed=\([0-9]*\) tamper=\(.*\)$/\3\/\2 sigs pass, \1 msgs, tamper \5/p' <<<"$v")
            echo "| $(label "$m") | $size | $(med_col "$m" "$size" msgs_per_s) | $(rep_ratio "$m" none "$size") | $mc | $sy | ${fl:--} | $(div "$mc" "$fl") | $(cpu_ms "$m" "$size" postfix) | ${v:-${VERDICT[$m]:-not run}} |"
        done
    done
    echo
    echo "| floor | size | libopendkim ms/msg | sendwarden signer ms/msg | OpenSSL sign ms (key parsed once) | SHA-256 of the body ms |"
    echo "|---|---|---:|---:|---:|---:|"
    for size in $SIZES; do
        for alg in rsa-sha256 ed25519-sha256; do
            echo "| $alg | $size | $(floor_ms "$size" "$alg" lib_ms) | $(floor_ms "$size" "$alg" builtin_ms) | $(floor_ms "$size" "$alg" openssl_sign_ms) | $(floor_ms "$size" "$alg" sha256_body_ms) |"
        done
    done
    echo
    echo "| milter | PSS MB, $HOLD sessions held | RSS MB | milter connections | threads | PSS MB idle (after warm-up) | PSS growth over $LEAK_N more 4 KB messages, bytes/msg |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    for m in $MODES; do
        [ "$m" = none ] && continue
        echo "| $(label "$m") | $(mb "${PSS[$m]:-}") | $(mb "${RSS[$m]:-}") | ${CONNS[$m]:-} | ${THREADS[$m]:-} | $(mb "${PSS_IDLE[$m]:-}") | ${PSS_GROWTH[$m]:-} |"
    done
    echo
    if has null && has sw-rsa; then
        for size in $SIZES; do
            echo "(info) $size: libmilter doing nothing costs $(cpu_ms null "$size" milter) ms/msg; sendwarden RSA-2048, protocol and signing, $(cpu_ms sw-rsa "$size" milter) ms/msg."
        done
        echo
    fi
    echo "| target | measured | |"
    echo "|---|---|---|"
    if has sw-rsa && has none; then
        for size in $SIZES; do
            r=$(rep_ratio sw-rsa none "$size")
            echo "| end-to-end msgs/s with sendwarden RSA-2048 >= 0.9x Postfix alone, $size | ${r:-?}x | $(verdict "$r" '>=' 0.9) |"
        done
    fi
    for m in sw-rsa sw-ed sw-both; do
        has "$m" || continue
        for size in $SIZES; do
            r=$(div "$(cpu_ms "$m" "$size" milter)" "$(floor_of "$m" "$size" lib_ms)")
            echo "| $(label "$m") CPU/msg <= 1.3x the libopendkim loop, $size | ${r:-?}x ($(cpu_ms "$m" "$size" milter) / $(floor_of "$m" "$size" lib_ms) ms) | $(verdict "$r" '<=' 1.3) |"
        done
    done
    for pair in "sw-rsa od-rsa 4k 0.3" "sw-ed od-ed 4k 0.25" "sw-rsa od-rsa 100k 0.4" "sw-ed od-ed 100k 0.4"; do
        set -- $pair
        has "$1" && has "$2" || continue
        r=$(div "$(cpu_ms "$1" "$3" milter)" "$(cpu_ms "$2" "$3" milter)")
        echo "| $(label "$1") CPU/msg <= $4x OpenDKIM's, $3 | ${r:-?}x ($(cpu_ms "$1" "$3" milter) / $(cpu_ms "$2" "$3" milter) ms) | $(verdict "$r" '<=' "$4") |"
    done
    if has sw-both && has sw-rsa && has sw-ed; then
        for size in $SIZES; do
            b=$(cpu_ms sw-both "$size" milter); s=$(add "$(cpu_ms sw-rsa "$size" milter)" "$(cpu_ms sw-ed "$size" milter)")
            echo "| dual signing CPU/msg <= RSA alone + Ed25519 alone, $size | $b ms vs $s ms ($(div "$b" "$s")x) | $(verdict "$(div "$b" "$s")" '<=' 1) |"
        done
    fi
    od_min=""
    for m in od-rsa od-ed; do
        [ -n "${PSS[$m]:-}" ] || continue
        [ -z "$od_min" ] || [ "${PSS[$m]}" -lt "$od_min" ] && od_min=${PSS[$m]}
    done
    for m in sw-rsa sw-ed sw-both; do
        [ -n "${PSS[$m]:-}" ] && [ -n "$od_min" ] || continue
        echo "| $(label "$m") PSS at $HOLD sessions < OpenDKIM's (the smaller of its two) | $(mb "${PSS[$m]}") MB vs $(mb "$od_min") MB | $(verdict "${PSS[$m]}" '<' "$od_min") |"
    done
    if [ -s "$W/failures" ]; then
        echo
        echo "Failures while running:"
        sed 's/^/- /' "$W/failures"
    fi
} > "$TABLE"
echo
cat "$TABLE"
echo
log "results: $TABLE, $RES, $RAW (logs in $OUT/milter-logs)"
exit "$FAILED"
