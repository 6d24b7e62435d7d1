#!/bin/sh
# Runs the sendwarden-policyd integration test (policyd_integration.py, next
# to this script: works from a VPATH build too) with Debian's python3; the
# binaries are found through SW_BUILDDIR, by default the current directory,
# which is the build directory when `make check` runs this.
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3) || { echo "SKIP: no python3"; exit 77; }
exec "$py" "$(dirname "$0")/policyd_integration.py" "$@"
