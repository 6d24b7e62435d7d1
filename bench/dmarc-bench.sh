#!/bin/bash
# dmarc-bench.sh BUILDDIR [REPORTS] [RECORDS]: the two DMARC figures of the
# issue, printed as a table:
#  1. ingest of REPORTS (default 10,000) aggregate-report e-mails, a third each
#     plain XML, .xml.gz and .zip, 30 records each, through
#     `sendwarden ingest --maildir` (batch mode), process start included;
#     and the same reports as bare files through `sendwarden dmarc import`;
#  2. `sendwarden dmarc sources --no-resolve` over RECORDS (default 1,000,000)
#     stored records (5,000 sources, 30 days), median of 5 runs, and its peak
#     memory (GNU time's max RSS when /usr/bin/time exists).
# Everything lives under a temp dir that is removed at the end (~1 GB).
set -eu
export LC_ALL=C
B=$(cd "${1:-.}" && pwd)
N=${2:-10000}
R=${3:-1000000}
HERE=$(cd "$(dirname "$0")" && pwd)
CLI=$B/src/cli/sendwarden
T=$(mktemp -d "${TMPDIR:-/tmp}/sw-dmarc-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/s1" "$T/s2" "$T/s3" "$T/policy"
: >"$T/policy/orgs"; : >"$T/policy/limits"
conf() {  # conf STATE_DIR
    printf '[global]\npolicy_dir = %s/policy\n[store]\nstate_dir = %s\ndata_max_size = 8g\n[dns]\nserver = 127.0.0.1:9\ntimeout = 1s\n' "$T" "$1" >"$1.conf"
}
now() { date +%s.%N; }
echo "generating $N report e-mails and $N report files..."
/usr/bin/python3 "$HERE/../tests/support/make_dmarc_reports.py" --out "$T/mail" --domain bench.example \
    --count "$N" --days 30 --records 30 --scenario bench
/usr/bin/python3 "$HERE/../tests/support/make_dmarc_reports.py" --out "$T/files" --domain bench.example \
    --count "$N" --days 30 --records 30 --scenario bench --format file --seed 9
sync

conf "$T/s1"
t0=$(now)
"$CLI" -c "$T/s1.conf" ingest --maildir "$T/mail" >/dev/null 2>"$T/ingest.err"
t1=$(now)
stored=$(grep -c 'DMARC report stored' "$T/ingest.err" || true)
ingest_rate=$(echo "$N / ($t1 - $t0)" | bc -l)

conf "$T/s2"
t0=$(now)
rc=0
find "$T/files" -type f | sort | xargs "$CLI" -c "$T/s2.conf" dmarc import >"$T/import.out" 2>&1 || rc=$?
t1=$(now)
import_rate=$(echo "$N / ($t1 - $t0)" | bc -l)

conf "$T/s3"
"$B/bench/dmarc-fill" "$T/s3" big.example "$R"
times=()
for _ in 1 2 3 4 5; do
    t0=$(now)
    "$CLI" -c "$T/s3.conf" dmarc sources --domain big.example --no-resolve --json >"$T/sources.json"
    t1=$(now)
    times+=("$(echo "$t1 - $t0" | bc -l)")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
rss="-"
if [ -x /usr/bin/time ]; then
    rss=$(/usr/bin/time -f %M "$CLI" -c "$T/s3.conf" dmarc sources --domain big.example --no-resolve --json 2>&1 >/dev/null | tail -1)
    rss="$((rss / 1024)) MB"
fi
records=$(/usr/bin/python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["records"], sum(len(g["sources"]) for g in j["groups"]))' "$T/sources.json")
t0=$(now)
"$CLI" -c "$T/s3.conf" dmarc readiness --domain big.example --no-resolve >/dev/null || true
t1=$(now)
readiness=$(echo "$t1 - $t0" | bc -l)
du=$(du -sh "$T/s3/data" | cut -f1)

printf '\n%-58s %s\n' "measurement" "result"
printf '%-58s %.0f reports/s (%s stored, %d s)\n' "ingest --maildir, $N report e-mails (xml/gz/zip, 30 rec.)" "$ingest_rate" "$stored" "$(echo "$N / $ingest_rate" | bc)"
# xargs may run several imports; add up their summary lines.
import_sum=$(awk '/ stored, .* already stored, / {s += $1; d += $3; r += $6} END {printf "%d stored, %d already stored, %d file(s) rejected", s, d, r}' "$T/import.out")
printf '%-58s %.0f reports/s (%s)\n' "dmarc import, $N report files" "$import_rate" "$import_sum"
printf '%-58s %.3f s median of 5 (%s), max RSS %s\n' "dmarc sources over $R records (records, sources)" "$median" "$records" "$rss"
printf '%-58s %.3f s\n' "dmarc readiness over the same" "$readiness"
printf '%-58s %s\n' "data environment size for $R records" "$du"
