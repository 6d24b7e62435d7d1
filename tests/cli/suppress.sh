#!/bin/bash
# suppress.sh — `sendwarden suppress add|remove|list|export|import` against a
# real data environment in a temporary state directory: normalized keys, org
# and global scope, a complaint removed only with --force, the CSV round trip,
# an import of 100,000 rows with bad rows reported by line number and the
# good ones kept, --dry-run changing nothing, audit lines for every change.
#
# usage: tests/cli/suppress.sh [BUILDDIR]      (BUILDDIR defaults to ".")
# Exit: 0 all passed, 1 a failure.
set -u
export LC_ALL=C

BUILDDIR=${1:-.}
CLI=$BUILDDIR/src/cli/sendwarden
[ -x "$CLI" ] || { echo "FAIL: $CLI not built"; exit 1; }

PASSED=0 FAILED=0
ok()   { PASSED=$((PASSED + 1)); echo "ok - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $*"; }

T=$(mktemp -d "${TMPDIR:-/tmp}/sw-suppress.XXXXXX")
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/policy" "$T/state"
: >"$T/policy/limits"
: >"$T/policy/orgs"
printf '[global]\npolicy_dir = %s/policy\n\n[store]\nstate_dir = %s/state\ndata_max_size = 256m\n' "$T" "$T" >"$T/c.conf"
sw() { "$CLI" -c "$T/c.conf" suppress "$@"; }

# expect LABEL STATUS COMMAND...: COMMAND exits with STATUS
expect() {
    local label=$1 want=$2
    shift 2
    "$@" >"$T/out" 2>"$T/err"
    local rc=$?
    if [ "$rc" = "$want" ]; then ok "$label"; else fail "$label: exit $rc, want $want: $(tr '\n' '|' <"$T/err")"; fi
}

expect "add: an org's hard bounce" 0 sw add ' <Bob@Example.ORG> ' --org acme --reason hard-bounce
expect "add: a global @domain" 0 sw add @SpamTrap.example
expect "add: a complaint" 0 sw add eve@bücher.example --org acme --reason complaint
expect "add: an unknown reason is a usage error" 64 sw add x@example.org --reason bounced
expect "add: a non-address is refused" 65 sw add not-an-address

sw list --json >"$T/list.json"
if grep -q '"address":"bob@example.org".*"org":"acme".*"reason":"hard-bounce"' "$T/list.json" &&
    grep -q '"address":"@spamtrap.example".*"org":""' "$T/list.json" &&
    grep -q '"address":"eve@xn--bcher-kva.example"' "$T/list.json"; then
    ok "list --json: normalized keys (case, brackets, IDN to A-label), scopes and reasons"
else
    fail "list --json: $(tr '\n' '|' <"$T/list.json")"
fi
[ "$(sw list --org acme --json | wc -l)" = 2 ] && ok "list --org acme: its 2 entries" ||
    fail "list --org acme: $(sw list --org acme --json | tr '\n' '|')"

expect "remove: a complaint needs --force" 77 sw remove eve@bücher.example --org acme
expect "remove --force: the complaint goes" 0 sw remove eve@bücher.example --org acme --force
expect "remove: what is not there says so" 1 sw remove eve@bücher.example --org acme
expect "remove: the global entry" 0 sw remove @spamtrap.example

sw export >"$T/export.csv"
if [ "$(head -1 "$T/export.csv")" = "address,org,reason,created,expires,source" ] &&
    grep -q '^bob@example.org,acme,hard-bounce,[0-9]*,0,cli:' "$T/export.csv" && [ "$(wc -l <"$T/export.csv")" = 2 ]; then
    ok "export: header row and the one remaining entry"
else
    fail "export: $(tr '\n' '|' <"$T/export.csv")"
fi

# 100,000 good rows, 3 bad ones at known lines
{
    echo "address,org,reason,created,expires,source"
    awk 'BEGIN { for (i = 0; i < 100000; i++) printf "user%d@example.org,beta,unsubscribe,1795500000,0,\n", i }'
    echo "broken row"
    echo "x@example.org,beta,bounced,,,"
    echo "y@,beta,manual,,,"
} >"$T/import.csv"
expect "import --dry-run: bad rows make the exit status 65" 65 sw import "$T/import.csv" --dry-run
grep -q "import.csv:100002: expected 6 fields" "$T/err" && grep -q "import.csv:100003: unknown reason 'bounced'" "$T/err" &&
    grep -q "import.csv:100004: no domain" "$T/err" && ok "import: each bad row named by its line number" ||
    fail "import: bad rows by line: $(tr '\n' '|' <"$T/err")"
[ "$(sw list --org beta --json | wc -l)" = 0 ] && ok "import --dry-run changed nothing" || fail "import --dry-run wrote rows"
expect "import: the good rows are kept despite the bad ones" 65 sw import "$T/import.csv"
grep -q "imported 100000 rows" "$T/out" && [ "$(sw list --org beta --json | wc -l)" = 100000 ] &&
    ok "import: 100000 rows in the store" || fail "import: $(cat "$T/out") / $(sw list --org beta --json | wc -l) listed"
sw export >"$T/export2.csv"
sw remove user5@example.org --org beta >/dev/null
expect "import of an export restores it" 0 sw import "$T/export2.csv"
[ "$(sw list --org beta --json | wc -l)" = 100000 ] && ok "the removed row is back" || fail "re-import"

expect "import: a file without the header row is refused" 65 sw import "$T/c.conf"
grep -q "c.conf:1: the header row must be" "$T/err" && ok "header row error names file:line" ||
    fail "header row error: $(cat "$T/err")"

sw add audit@example.org 2>"$T/audit.err" >/dev/null
grep -qE "audit: user=$(id -un)( sudo_user=[^ ]+)? suppress add audit@example.org reason=manual" "$T/audit.err" &&
    ok "every change logs an audit line (user, what)" || fail "audit line: $(cat "$T/audit.err")"

printf '[global]\npolicy_dir = %s/policy\n\n[store]\nstate_dir = %s/nonexistent\n' "$T" "$T" >"$T/bad.conf"
"$CLI" -c "$T/bad.conf" suppress list >/dev/null 2>"$T/err"
[ $? = 78 ] && grep -q "state directory .*nonexistent does not exist" "$T/err" &&
    ok "a missing state directory is named (exit 78)" || fail "missing state dir: $(cat "$T/err")"

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
