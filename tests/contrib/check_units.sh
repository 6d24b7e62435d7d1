#!/bin/sh
# check_units.sh: the systemd units of contrib/systemd (as built, with this
# build's paths) are what the packaging and the reliability issue promise:
#   verify    `systemd-analyze verify` finds nothing wrong but what comes of
#             the programs and man pages not being installed yet
#   security  `systemd-analyze security --offline` rates each unit's exposure
#             under 2.0 ("OK"); the level is printed
#   contents  Type=notify with a watchdog, ExecReload sends SIGHUP, runs as
#             sendwarden with an empty capability bounding set, and policyd
#             cannot see the private keys (InaccessiblePaths=)
# Exit 0 passed, 1 failed, 77 without systemd-analyze.
set -u
command -v systemd-analyze >/dev/null 2>&1 || { echo "SKIP: systemd-analyze missing (contrib/deps.sh installs systemd)"; exit 77; }
failed=0
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1"; failed=1; }

for name in policyd milter; do
    unit=contrib/systemd/sendwarden-$name.service
    [ -f "$unit" ] || { fail "$unit not built"; continue; }
    out=$(systemd-analyze verify "$unit" 2>&1 |
        grep -v -e 'is not executable: No such file or directory' -e "Command 'man " || true)
    if [ -z "$out" ]; then pass "$unit: systemd-analyze verify"; else fail "$unit: systemd-analyze verify: $out"; fi

    level=$(systemd-analyze security --offline=true --no-pager "$unit" 2>&1 | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
    if [ -n "$level" ] && systemd-analyze security --offline=true --threshold=20 "$unit" >/dev/null 2>&1; then
        pass "$unit: exposure level $level (under 2.0)"
    else
        fail "$unit: exposure level ${level:-unknown}, not under 2.0"
    fi

    for want in 'Type=notify' 'WatchdogSec=' 'ExecReload=/bin/kill -HUP $MAINPID' 'User=sendwarden' 'Group=sendwarden' \
        'CapabilityBoundingSet=' 'NoNewPrivileges=yes' 'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' \
        'SystemCallFilter=@system-service' 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' 'StateDirectory=sendwarden'; do
        if grep -qxF "$want" "$unit" || { [ "${want%=}" != "$want" ] && grep -q "^$want" "$unit"; }; then :; else
            fail "$unit: no '$want' line"; continue 2
        fi
    done
    grep -q '^CapabilityBoundingSet=$' "$unit" || { fail "$unit: the capability bounding set is not empty"; continue; }
    pass "$unit: notify, watchdog, SIGHUP reload, user sendwarden, no capabilities, sandboxed"
done

if grep -q '^InaccessiblePaths=-.*/sendwarden/keys$' contrib/systemd/sendwarden-policyd.service &&
    ! grep -q '^InaccessiblePaths=' contrib/systemd/sendwarden-milter.service; then
    pass "the keys directory is inaccessible to policyd, not to the milter"
else
    fail "InaccessiblePaths= of the keys directory: policyd must have it, the milter must not"
fi
exit $failed
