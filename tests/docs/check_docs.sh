#!/bin/sh
# check_docs.sh: the manual pages agree with the code (STYLE 6 and 8, in the
# manner of Postfix's mantools/check-postconf-undocumented). Checks:
#   lint      mandoc -T lint -W warning is silent on every page in man/
#   options   src/core/config/settings.def and sendwarden.conf(5) list the
#             same options (section, name) with the same type, both ways
#   defaults  every default printed by `sendwarden check-config --defaults'
#             is the one sendwarden.conf(5) gives, and that output is a
#             configuration file that passes check-config
#   policy    the files in policy/ pass check-config
#   examples  the limits and orgs examples of sendwarden-policy(5) pass too
# Run by `make check' from the build directory (cwd); the source tree is
# found from this script's path, so VPATH builds and distcheck work.
# Exit: 0 all passed; 1 something failed; 77 all else passed but mandoc is
# missing (contrib/deps.sh installs it), so the lint could not run.
set -u

srcdir=$(cd "$(dirname "$0")/../.." && pwd)
cli=./src/cli/sendwarden
settings=$srcdir/src/core/config/settings.def
confman=$srcdir/man/sendwarden.conf.5
policyman=$srcdir/man/sendwarden-policy.5

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check_docs.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
skipped=0
pass() { passed=$((passed + 1)); echo "PASS: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL: $1"; }
# Prints a file, indented, under a failure.
show() { sed 's/^/    /' "$1"; }

# --- lint ---------------------------------------------------------------
if command -v mandoc >/dev/null 2>&1; then
    for page in "$srcdir"/man/*.[1-9]; do
        name=man/$(basename "$page")
        if mandoc -T lint -W warning "$page" >"$tmp/lint" 2>&1 && [ ! -s "$tmp/lint" ]; then
            pass "lint $name"
        else
            fail "lint $name: mandoc -T lint -W warning says:"
            show "$tmp/lint"
        fi
    done
else
    skipped=1
    echo "SKIP: lint: mandoc not found (apt-get install mandoc, or run contrib/deps.sh)"
fi

# --- options ------------------------------------------------------------
# settings.def rows: SW_SETTING(section, name, Type, "default", "help")
sed -n 's/^SW_SETTING( *\([a-z0-9_]*\) *, *\([a-z0-9_]*\) *, *\([A-Za-z]*\) *,.*/\1 \2 \3/p' "$settings" |
    awk '{ t = $3
           if (t == "String") t = "string"; else if (t == "StringList") t = "list"
           else if (t == "Count") t = "count"; else if (t == "Size") t = "size"
           else if (t == "Duration") t = "duration"; else if (t == "Fraction") t = "fraction"
           else if (t == "Flag") t = "flag"; else if (t == "FileMode") t = "mode"
           print $1, $2, t }' | sort >"$tmp/def.types"

# sendwarden.conf(5) items, one per option, under ".Ss [section]\&":
#   .It Cm NAME Pq TYPE, default Ql VALUE      or     ... default empty
# written out as "section<TAB>name<TAB>type<TAB>default".
awk '
    /^\.Sh / { section = "" }
    /^\.Ss \[[a-z0-9_]+\]/ { section = $2; gsub(/[][]|\\&/, "", section); next }
    section != "" && /^\.It Cm [a-z0-9_]+ Pq / {
        type = $5; sub(/,$/, "", type)
        value = $0
        if (!sub(/.* default /, "", value)) value = "?"
        else if (value == "empty") value = ""
        else { sub(/^Ql /, "", value); if (value ~ /^".*"$/) value = substr(value, 2, length(value) - 2) }
        printf "%s\t%s\t%s\t%s\n", section, $3, type, value
    }' "$confman" >"$tmp/man.items"
awk -F '\t' '{ print $1, $2, $3 }' "$tmp/man.items" | sort >"$tmp/man.types"

if [ ! -s "$tmp/def.types" ]; then
    fail "options: no SW_SETTING rows found in $settings"
elif [ ! -s "$tmp/man.types" ]; then
    fail "options: no option items found in man/sendwarden.conf.5"
else
    awk '{ print $1, $2 }' "$tmp/def.types" >"$tmp/def.names"
    awk '{ print $1, $2 }' "$tmp/man.types" >"$tmp/man.names"
    comm -23 "$tmp/def.names" "$tmp/man.names" >"$tmp/undocumented"
    comm -13 "$tmp/def.names" "$tmp/man.names" >"$tmp/unknown"
    if [ -s "$tmp/undocumented" ]; then
        fail "options: in settings.def but not in man/sendwarden.conf.5 ([section] name):"
        show "$tmp/undocumented"
    else
        pass "options: every settings.def option is in man/sendwarden.conf.5"
    fi
    if [ -s "$tmp/unknown" ]; then
        fail "options: in man/sendwarden.conf.5 but not in settings.def ([section] name):"
        show "$tmp/unknown"
    else
        pass "options: every option in man/sendwarden.conf.5 is in settings.def"
    fi
    # Same options, compare types: "section name settings-type man-type".
    awk 'NR == FNR { t[$1 " " $2] = $3; next }
         ($1 " " $2) in t && t[$1 " " $2] != $3 { print "[" $1 "] " $2 ": settings.def says " t[$1 " " $2] ", the page says " $3 }' \
        "$tmp/def.types" "$tmp/man.types" >"$tmp/types"
    if [ -s "$tmp/types" ]; then
        fail "options: types differ:"
        show "$tmp/types"
    else
        pass "options: types in man/sendwarden.conf.5 match settings.def"
    fi
fi

# --- defaults -----------------------------------------------------------
if [ ! -x "$cli" ]; then
    fail "defaults: $cli not built (run from the build directory)"
elif ! "$cli" check-config --defaults >"$tmp/defaults.conf" 2>"$tmp/err"; then
    fail "defaults: sendwarden check-config --defaults failed:"
    show "$tmp/err"
else
    awk -F '\t' '
        NR == FNR { doc[$1 "\t" $2] = $4; next }
        /^\[[a-z0-9_]+\]$/ { section = substr($0, 2, length($0) - 2); next }
        (i = index($0, " = ")) > 0 {
            name = substr($0, 1, i - 1); value = substr($0, i + 3)
            key = section "\t" name
            if (!(key in doc)) print "[" section "] " name ": default \"" value "\" but no item in the page"
            else if (doc[key] != value)
                print "[" section "] " name ": default is \"" value "\", the page says \"" doc[key] "\""
        }' "$tmp/man.items" "$tmp/defaults.conf" >"$tmp/defaults"
    if [ -s "$tmp/defaults" ]; then
        fail "defaults: man/sendwarden.conf.5 does not match check-config --defaults:"
        show "$tmp/defaults"
    else
        pass "defaults: man/sendwarden.conf.5 gives every default of check-config --defaults"
    fi
    # sendwarden(8) calls the output a valid configuration file: check it,
    # with policy_dir pointed at empty policy files.
    mkdir "$tmp/emptypolicy" && : >"$tmp/emptypolicy/limits" && : >"$tmp/emptypolicy/orgs"
    sed "s|^policy_dir = .*|policy_dir = $tmp/emptypolicy|" "$tmp/defaults.conf" >"$tmp/fromdefaults.conf"
    if "$cli" -c "$tmp/fromdefaults.conf" check-config >"$tmp/out" 2>&1; then
        pass "defaults: the output of check-config --defaults is a valid configuration"
    else
        fail "defaults: the output of check-config --defaults does not pass check-config:"
        show "$tmp/out"
    fi
fi

# --- policy -------------------------------------------------------------
# Writes a sendwarden.conf for policy directory $1 to $2.
conf_for() { printf '[global]\npolicy_dir = %s\n' "$1" >"$2"; }

if [ -x "$cli" ]; then
    conf_for "$srcdir/policy" "$tmp/policy.conf"
    if "$cli" -c "$tmp/policy.conf" check-config >"$tmp/out" 2>&1; then
        pass "policy: policy/limits and policy/orgs pass check-config"
    else
        fail "policy: the example files in policy/ do not pass check-config:"
        show "$tmp/out"
    fi

    # The first two literal displays under EXAMPLES of sendwarden-policy(5)
    # are a limits and an orgs file.
    mkdir "$tmp/manpolicy"
    awk -v dir="$tmp/manpolicy" '
        /^\.Sh / { in_examples = ($2 == "EXAMPLES") }
        in_examples && /^\.Bd -literal/ { n++; inside = 1; next }
        inside && /^\.Ed/ { inside = 0; next }
        inside && n == 1 { print > (dir "/limits") }
        inside && n == 2 { print > (dir "/orgs") }' "$policyman"
    conf_for "$tmp/manpolicy" "$tmp/manpolicy.conf"
    if [ ! -s "$tmp/manpolicy/limits" ] || [ ! -s "$tmp/manpolicy/orgs" ]; then
        fail "examples: no limits and orgs examples found under EXAMPLES in man/sendwarden-policy.5"
    elif "$cli" -c "$tmp/manpolicy.conf" check-config >"$tmp/out" 2>&1; then
        pass "examples: the limits and orgs examples of man/sendwarden-policy.5 pass check-config"
    else
        fail "examples: the examples of man/sendwarden-policy.5 do not pass check-config:"
        show "$tmp/out"
    fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] || exit 1
[ "$skipped" -eq 0 ] || exit 77
exit 0
