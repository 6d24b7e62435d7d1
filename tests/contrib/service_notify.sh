#!/bin/sh
# Runs service_notify.py (next to this script) with Debian's python3 from
# the build directory: the daemons' sd_notify readiness, watchdog, reload
# and stop notifications.
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3) || { echo "SKIP: no python3"; exit 77; }
exec "$py" "$(dirname "$0")/service_notify.py" "$@"
