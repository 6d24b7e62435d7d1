#!/bin/bash
# dmarc.sh — DMARC aggregate reports end to end through the CLI:
# `sendwarden ingest` of report e-mails (plain XML, .xml.gz and .zip
# attachments; a duplicate; a gzip bomb and an entity-expansion report, which
# are quarantined), `dmarc import` of bare files (audited), `dmarc sources` (names from
# a dnsmasq this script starts on 127.0.0.1, unknown senders first, ours
# flagged), `dmarc readiness` (ready / not ready, exit 0 / 1), and
# `dmarc report --html`, rendered by headless Chromium: the screenshot is
# kept in BUILDDIR/tests/cli/dmarc-output/ (report.png, report.html).
#
# usage: tests/cli/dmarc.sh [BUILDDIR]      (BUILDDIR defaults to ".")
# Exit: 0 all passed, 1 a failure, 77 skipped (no dnsmasq).
set -u
export LC_ALL=C

BUILDDIR=${1:-.}
HERE=$(cd "$(dirname "$0")" && pwd)
DNSMASQ=/usr/sbin/dnsmasq
PY=/usr/bin/python3
CHROMIUM=$(command -v chromium || true)
[ -x "$DNSMASQ" ] || { echo "SKIP: $DNSMASQ not installed (Debian package dnsmasq-base)"; exit 77; }
CLI=$BUILDDIR/src/cli/sendwarden
[ -x "$CLI" ] || { echo "FAIL: $CLI not built"; exit 1; }
OUT=$BUILDDIR/tests/cli/dmarc-output
mkdir -p "$OUT"

PASSED=0 FAILED=0
ok()   { PASSED=$((PASSED + 1)); echo "ok - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $*"; }

T=$(mktemp -d "${TMPDIR:-/tmp}/sw-dmarc.XXXXXX")
chmod 700 "$T"
DNS_PID=""
stop_dns() {
    [ -n "$DNS_PID" ] || return 0
    kill "$DNS_PID" 2>/dev/null
    wait "$DNS_PID" 2>/dev/null
    DNS_PID=""
}
trap 'stop_dns; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP

PORT=$("$PY" "$HERE/../support/free_dns_port.py")
mkdir -p "$T/policy" "$T/state"
cat >"$T/sendwarden.conf" <<EOF
[global]
policy_dir = $T/policy
outbound_ips = 192.0.2.10
[store]
state_dir = $T/state
[dns]
server = 127.0.0.1:$PORT
timeout = 2s
[dmarc]
max_xml_size = 8m
EOF
: >"$T/policy/limits"
: >"$T/policy/orgs"
SW() { "$CLI" -c "$T/sendwarden.conf" "$@"; }

# Names: the ESP's address and the mail host resolve both ways; the spoofer's
# PTR claims the ESP's domain but its name does not resolve back.
user=()
[ "$(id -u)" = 0 ] && user=(--user=root)
"$DNSMASQ" --no-daemon --no-resolv --no-hosts --conf-file=/dev/null --pid-file= "${user[@]}" \
    --port="$PORT" --listen-address=127.0.0.1 --bind-interfaces \
    --host-record=mx1.acme.example,192.0.2.10 \
    --host-record=o1.mta.esp.example,198.51.100.20 \
    --host-record=news.letters.example,198.51.100.77 \
    --ptr-record=9.113.0.203.in-addr.arpa,mail.esp.example --host-record=mail.esp.example,198.51.100.99 \
    2>"$T/dnsmasq.log" &
DNS_PID=$!
for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.05
done

# ------------------------------------------------------------------ ingest
NOW=$(date +%s)
"$PY" "$HERE/../support/make_dmarc_reports.py" --out "$T/ready" --domain acme.example --count 20 --days 20 \
    --end "$NOW" --scenario ready
"$PY" "$HERE/../support/make_dmarc_reports.py" --out "$T/esp" --domain news.example --count 20 --days 20 \
    --end "$NOW" --scenario esp --seed 2
SW ingest --json --maildir "$T/ready" >"$T/ingest.json" 2>"$T/ingest.err"
rc=$?
stored=$(grep -c '"disposition":"stored"' "$T/ingest.json")
kinds=$(ls "$T/ready/new" | wc -l)
if [ $rc = 0 ] && [ "$stored" = 20 ] && grep -q '"records":3' "$T/ingest.json"; then
    ok "ingest --maildir: 20 report e-mails (xml, gz, zip attachments) stored"
else
    fail "ingest --maildir: exit $rc, $stored of $kinds stored: $(head -c 600 "$T/ingest.json") $(tail -3 "$T/ingest.err")"
fi
SW ingest --json <"$T/ready/new/000004.eml" >"$T/dup.json" 2>&1
if grep -q '"disposition":"duplicate"' "$T/dup.json"; then ok "the same message again is a duplicate"
else fail "duplicate message: $(cat "$T/dup.json")"; fi
# The same report in another e-mail (a reporter's resend): stored once.
sed 's/^Message-ID: <\(.*\)>/Message-ID: <resent-\1>/' "$T/ready/new/000005.eml" >"$T/resent.eml"
SW ingest --json <"$T/resent.eml" >"$T/resent.json" 2>&1
if grep -q '"stored":false' "$T/resent.json" && grep -q '"disposition":"duplicate"' "$T/resent.json"; then
    ok "a report resent in a new e-mail is stored once (same reporter and report_id)"
else
    fail "resent report: $(cat "$T/resent.json")"
fi
SW ingest --maildir "$T/esp" >/dev/null 2>&1 || fail "ingest of the esp scenario"

# Hostile reports: a gzip bomb (64 MB of zeros in about 64 KB) and a report
# with entity declarations. Both quarantined, exit 0, nothing stored.
"$PY" - "$T" <<'EOF'
import gzip, sys
from email.message import EmailMessage
t = sys.argv[1]
def mail(name, fname, payload, sub):
    m = EmailMessage()
    m["From"] = "noreply@evil.example"
    m["To"] = "dmarc-rua@acme.example"
    m["Subject"] = "Report Domain: acme.example Submitter: evil.example Report-ID: " + name
    m["Message-ID"] = "<%s@evil.example>" % name
    m.set_content("report")
    m.add_attachment(payload, maintype="application", subtype=sub, filename=fname)
    open("%s/%s.eml" % (t, name), "wb").write(bytes(m))
mail("bomb", "evil.example!acme.example!1!2.xml.gz", gzip.compress(b"<feedback>" + b"\0" * (64 << 20)), "gzip")
laughs = ('<?xml version="1.0"?><!DOCTYPE feedback [<!ENTITY a "aaaaaaaaaa">'
          + "".join('<!ENTITY %s "%s">' % (chr(98 + i), ("&%s;" % chr(97 + i)) * 10) for i in range(8))
          + ']><feedback><report_metadata><org_name>&i;</org_name><report_id>x</report_id>'
          '<date_range><begin>1</begin><end>2</end></date_range></report_metadata>'
          '<policy_published><domain>acme.example</domain><p>none</p></policy_published></feedback>')
mail("laughs", "evil.example!acme.example!1!2.xml", laughs.encode(), "xml")
EOF
for h in bomb laughs; do
    SW ingest --json <"$T/$h.eml" >"$T/$h.json" 2>"$T/$h.err"
    rc=$?
    if [ $rc = 0 ] && grep -q '"disposition":"quarantined"' "$T/$h.json"; then
        ok "$h: quarantined, exit 0 ($(grep -o 'DMARC report[^"]*' "$T/$h.err" | head -1 | cut -c1-110))"
    else
        fail "$h: exit $rc $(cat "$T/$h.json") $(tail -2 "$T/$h.err")"
    fi
done

# ------------------------------------------------------------------ import
"$PY" "$HERE/../support/make_dmarc_reports.py" --out "$T/files" --domain other.example --count 6 --days 6 \
    --end "$NOW" --format file --seed 3
printf 'not a report at all\n' >"$T/files/zz-garbage.xml"
SW dmarc import "$T"/files/* >"$T/import.out" 2>&1
rc=$?
if [ $rc = 65 ] && grep -q '^6 stored, 0 already stored, 1 file(s) rejected$' "$T/import.out" &&
   grep -q 'zz-garbage.xml: rejected:' "$T/import.out"; then
    ok "dmarc import: 6 files (xml, gz, zip) stored, garbage rejected, exit 65"
else
    fail "dmarc import: exit $rc: $(cat "$T/import.out")"
fi
WHO="user=$(id -un)( sudo_user=[^ ]+)?"
AUDIT="dmarc import stored=6 duplicates=0 rejected=1 file=$T/files/"
if grep -qE "audit: $WHO $AUDIT" "$T/import.out" && grep -q "file=$T/files/zz-garbage.xml\$" "$T/import.out" &&
   [ "$(SW audit | grep -cE "^[0-9]+ [0-9T:-]+Z $WHO $AUDIT")" = 1 ]; then
    ok "dmarc import is audited: line and one event, with the counts and the files"
else
    fail "dmarc import audit: $(grep audit "$T/import.out"; SW audit)"
fi

# ------------------------------------------------------------------ sources
echo "acme.example s1 rsa-sha256 $T/keys/none.private" >"$T/policy/signing"
SW dmarc sources --domain acme.example --json >"$T/sources.json" 2>"$T/sources.err"
rc=$?
if [ $rc = 0 ] && "$PY" - "$T/sources.json" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["messages"] == 20 * 1900 + 7 * 4, j["messages"]
assert j["reports"] == 20 and j["reporters"] == 5, (j["reports"], j["reporters"])
g = j["groups"]
first = g[0]["sources"][0]
assert first["ip"] == "203.0.113.9" and first["status"] == "unknown" and first["name"] == "", first
assert first["dmarc_pass_pct"] == 0
by_ip = {s["ip"]: (grp["org_domain"], s) for grp in g for s in grp["sources"]}
org, ours = by_ip["192.0.2.10"]
assert ours["status"] == "ours" and ours["ours_why"] == "outbound_ips" and ours["name"] == "mx1.acme.example", ours
assert org == "acme.example"
org, esp = by_ip["198.51.100.20"]
assert org == "esp.example" and esp["name"] == "o1.mta.esp.example", esp
assert esp["status"] == "ours" and esp["ours_why"] == "dkim d=acme.example", esp
assert esp["spf_aligned_pct"] == 0 and esp["dkim_aligned_pct"] == 100, esp
assert g[-1]["sources"][0]["status"] == "ours"
assert j["names"]["looked_up"] == 3 and j["names"]["named"] == 2, j["names"]
EOF
then ok "dmarc sources --json: unknown sender first, ours by outbound_ips and by DKIM, forward-confirmed names"
else fail "dmarc sources --json (exit $rc): $(head -c 1500 "$T/sources.json") $(cat "$T/sources.err")"; fi
SW dmarc sources --domain acme.example >"$T/sources.txt" 2>&1
if grep -qE '^esp\.example +198\.51\.100\.20 +o1\.mta\.esp\.example +8,000 +0% +100% +100% .*ours \(dkim d=acme\.example\)$' "$T/sources.txt" &&
   [ "$(sed -n 5p "$T/sources.txt" | awk '{print $2}')" = 203.0.113.9 ]; then
    ok "dmarc sources: table, unknown first ($(sed -n 1p "$T/sources.txt" | cut -c1-90))"
else
    fail "dmarc sources table: $(cat "$T/sources.txt")"
fi
# The second run answers from the name cache: no DNS needed.
stop_dns
SW dmarc sources --domain acme.example --json >"$T/sources2.json" 2>&1
if grep -q '"cached": 3' "$T/sources2.json" && grep -q '"name": "o1.mta.esp.example"' "$T/sources2.json"; then
    ok "names come from the cache on the next run (DNS stopped)"
else
    fail "name cache: $(grep -A5 '"names"' "$T/sources2.json")"
fi

# ------------------------------------------------------------------ readiness
SW dmarc readiness --domain acme.example >"$T/ready.out" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q '^acme.example: ready for p=quarantine: 100% of 38,000 messages from known sources pass aligned over 20 days; 1 unknown source (0.1%) looks like spoofing$' "$T/ready.out" &&
   grep -q '203.0.113.9: 28 messages, 0% aligned' "$T/ready.out"; then
    ok "dmarc readiness: ready for p=quarantine, exit 0"
else
    fail "dmarc readiness (exit $rc): $(cat "$T/ready.out")"
fi
SW dmarc readiness --domain news.example --json >"$T/notready.json" 2>&1
rc=$?
if [ $rc = 1 ] && grep -q '"verdict": "not-ready"' "$T/notready.json" &&
   grep -q 'not ready for p=quarantine: source 198.51.100.77 sends 12.0% of volume (5,200 messages) without aligned SPF or DKIM' "$T/notready.json"; then
    ok "dmarc readiness: a newsletter sender without alignment blocks, exit 1"
else
    fail "dmarc readiness news.example (exit $rc): $(cat "$T/notready.json")"
fi
SW dmarc readiness --domain nothing.example >"$T/none.out" 2>&1
rc=$?
if [ $rc = 1 ] && grep -q 'no report for nothing.example' "$T/none.out" && grep -q 'acme.example' "$T/none.out"; then
    ok "dmarc readiness of a domain without reports: exit 1, names the domains that have some"
else
    fail "no-data readiness (exit $rc): $(cat "$T/none.out")"
fi

# ------------------------------------------------------------------ HTML
SW dmarc report --domain acme.example --html "$OUT/report.html" >"$T/report.out" 2>&1
rc=$?
if [ $rc = 0 ] && [ -s "$OUT/report.html" ] && ! grep -qiE '(src|href)=|<script|@import|url\(' "$OUT/report.html"; then
    ok "dmarc report --html: $(wc -c <"$OUT/report.html") bytes, no script, nothing to fetch"
else
    fail "dmarc report (exit $rc): $(cat "$T/report.out")"
fi
if [ -z "$CHROMIUM" ]; then
    fail "chromium is not installed (contrib/deps.sh installs it): the HTML page was not rendered"
else
    # No network for the browser either: every host name fails to resolve.
    chrome=("$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run
            --host-resolver-rules="MAP * ~NOTFOUND" --user-data-dir="$T/chrome")
    rm -f "$OUT/report.png"
    timeout 60 "${chrome[@]}" --window-size=1280,1400 --screenshot="$OUT/report.png" \
        "file://$(cd "$OUT" && pwd)/report.html" >"$T/chrome.log" 2>&1
    timeout 60 "${chrome[@]}" --dump-dom "file://$(cd "$OUT" && pwd)/report.html" >"$T/dom.html" 2>>"$T/chrome.log"
    if "$PY" - "$OUT/report.png" "$T/dom.html" <<'EOF'
import struct, sys, zlib
png = open(sys.argv[1], "rb").read()
assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", png[16:24])
assert w >= 1000 and h >= 1000, (w, h)
# Decode the image data (8-bit RGB/RGBA, filters undone only as far as
# counting colours needs): a rendered page has many, a blank one one.
pos, idat = 8, b""
while pos < len(png):
    n, kind = struct.unpack(">I4s", png[pos:pos + 8])
    if kind == b"IDAT":
        idat += png[pos + 8:pos + 8 + n]
    pos += 12 + n
raw = zlib.decompress(idat)
colours = len(set(raw[i:i + 3] for i in range(1, len(raw) - 3, 97)))
assert colours > 20, "blank screenshot? %d colours" % colours
dom = open(sys.argv[2]).read()
assert 'data-verdict="ready"' in dom, "verdict missing"
assert dom.count("<rect") >= 40, "chart bars missing"
assert "o1.mta.esp.example" in dom and "203.0.113.9" in dom, "sources table missing"
print("%dx%d, %d colours sampled" % (w, h, colours))
EOF
    then
        ok "headless Chromium renders the page: screenshot $OUT/report.png"
    else
        fail "chromium render: $(tail -5 "$T/chrome.log")"
    fi
fi

echo "# $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
