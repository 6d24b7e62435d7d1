#!/bin/sh
# fuzz_smoke.sh — the short form of `make fuzz-smoke`, run by `make check` in
# a fuzzing build (CI's second build: clang, --enable-fuzzing, which is also
# ASan+UBSan): every libFuzzer target for FUZZ_CHECK_SECONDS (default 5)
# from its seed corpus in tests/fuzz/corpus. New inputs go to a temporary
# directory (the seeds stay read-only, as in make distcheck); a crasher is
# kept in fuzz-artifacts/TARGET/ and fails the test.
#
# Exit: 0 no target crashed, leaked or hung; 1 one did; 77 skipped (not a
# fuzzing build).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SECONDS_EACH=${FUZZ_CHECK_SECONDS:-5}
targets=""
for b in tests/fuzz/fuzz-*; do
    [ -x "$b" ] && [ -f "$b" ] && targets="$targets ${b#tests/fuzz/fuzz-}"
done
if [ -z "$targets" ]; then
    echo "SKIP: no fuzz targets in $(pwd)/tests/fuzz (configure CXX=clang++ --enable-fuzzing)"
    exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/sendwarden-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
failed=0
total=0
for t in $targets; do
    seeds="$HERE/corpus/$t"
    if [ ! -d "$seeds" ]; then
        echo "FAIL fuzz-$t: no seed corpus $seeds"
        failed=1
        continue
    fi
    mkdir -p "$work/$t" "fuzz-artifacts/$t" || exit 1
    log="$work/$t.log"
    if "tests/fuzz/fuzz-$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
        -max_len=70000 -print_final_stats=1 -artifact_prefix="fuzz-artifacts/$t/" \
        "$work/$t" "$seeds" > "$log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        echo "ok fuzz-$t: ${runs:-?} executions in ${SECONDS_EACH}s"
        total=$(( total + ${runs:-0} ))
    else
        echo "FAIL fuzz-$t: reproducer in $(pwd)/fuzz-artifacts/$t/ (run: tests/fuzz/fuzz-$t FILE); its last lines:"
        tail -n 30 "$log" | sed 's/^/#   /'
        failed=1
    fi
done
echo "# $total executions over $(echo "$targets" | wc -w | tr -d ' ') targets"
exit $failed
