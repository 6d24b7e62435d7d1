# systemd_ns.sh: sourced by tests that need a real systemd (PID 1 of this
# machine may be something else). sdns_start boots /lib/systemd/systemd as
# PID 1 of a new PID and mount namespace, with its own tmpfs on /run and /tmp
# and /var/log (nothing of the host's /run, /tmp or logs is touched) and only a do-nothing
# target to reach; the network and the rest of the file system are the
# host's. sdns CMD... runs a command inside (systemctl, journalctl, ...).
# sdns_stop ends the namespace and every process in it.
# Needs root, unshare and nsenter (util-linux); sdns_start returns 1 when
# systemd does not come up, so the caller can skip.

SDNS_PID=

sdns_start() {
    command -v unshare >/dev/null 2>&1 && command -v nsenter >/dev/null 2>&1 && [ -x /lib/systemd/systemd ] || return 1
    sdns_boot=$(mktemp "${TMPDIR:-/tmp}/sdns-boot.XXXXXX") || return 1
    cat >"$sdns_boot" <<'BOOT'
#!/bin/sh
mount --make-rprivate / || exit 1
mount -t tmpfs -o mode=755 tmpfs /run || exit 1
mount -t tmpfs -o mode=1777 tmpfs /tmp || exit 1
# journald writes to /var/log/journal when it exists: not the host's.
mount -t tmpfs -o mode=755 tmpfs /var/log || exit 1
mkdir -p /run/systemd/system
printf '[Unit]\nDescription=sendwarden test target\n' >/run/systemd/system/sw-test.target
exec /lib/systemd/systemd --system --unit=sw-test.target
BOOT
    chmod 755 "$sdns_boot"
    setsid unshare --pid --fork --mount --uts --mount-proc "$sdns_boot" </dev/null >/dev/null 2>&1 &
    sdns_unshare=$!
    i=0
    while [ $i -lt 100 ]; do
        SDNS_PID=$(pgrep -P "$sdns_unshare" 2>/dev/null | head -1)
        if [ -n "$SDNS_PID" ]; then
            state=$(timeout 5 nsenter -t "$SDNS_PID" -m -p systemctl is-system-running 2>/dev/null)
            case $state in running|degraded) rm -f "$sdns_boot"; return 0 ;; esac
        fi
        sleep 0.1
        i=$((i + 1))
    done
    rm -f "$sdns_boot"
    sdns_stop
    return 1
}

sdns() { nsenter -t "$SDNS_PID" -m -p -- "$@"; }

sdns_stop() {
    # SIGKILL to PID 1 of a PID namespace ends every process in it.
    [ -n "$SDNS_PID" ] && kill -9 "$SDNS_PID" 2>/dev/null
    [ -n "${sdns_unshare:-}" ] && wait "$sdns_unshare" 2>/dev/null
    SDNS_PID=
}
