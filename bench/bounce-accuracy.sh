#!/bin/sh
# bounce-accuracy.sh BUILDDIR [CORPUS]: score sisimai (Debian's
# libsisimai-perl; not a dependency of the build or the tests) on the
# shared corpus by the same rules as tests/core/reports, next to our own rates
# from tests/core/reports/test-reports. sisimai runs with delivered and vacation
# results on (as the corpus' DERIVED files were made); its verdict is its
# own hard/soft, with "suspend" counted hard as our policy does; a result
# with reason feedback is a complaint, vacation or delivered is no bounce.
set -eu
builddir=${1:?usage: bounce-accuracy.sh BUILDDIR [CORPUS]}
srcdir=$(cd "$(dirname "$0")/.." && pwd)
corpus=${2:-$srcdir/../shared/corpus}
[ -d "$corpus/bounces" ] || { echo "bounce-accuracy: no corpus at $corpus" >&2; exit 77; }
perl -MSisimai -e 1 2>/dev/null || { echo "bounce-accuracy: sisimai missing (apt-get install libsisimai-perl)" >&2; exit 77; }

results=$(mktemp)
trap 'rm -f "$results"' EXIT
(cd "$corpus" && find bounces arf -type f \( -name '*.eml' -o -name '*.msg' -o -name '*.txt' \) |
    grep -v -e '/LICENSE' -e 'debian-copyright' | sort) |
perl -MSisimai -e '
    my $root = shift;
    local $SIG{__WARN__} = sub {};
    while (my $rel = <STDIN>) {
        chomp $rel;
        my $v = eval { Sisimai->make("$root/$rel", delivered => 1, vacation => 1) } || [];
        print "$rel\tother\n" unless @$v;
        for my $e (@$v) {
            my $reason = $e->reason // "";
            my $kind = $reason eq "feedback" ? "complaint"
                     : ($reason eq "vacation" || $reason eq "delivered") ? "other" : "bounce";
            my $hard = ($e->softbounce == 0 || $reason eq "suspend") ? 1 : 0;
            my $status = $e->deliverystatus // "";
            $status = "" if $status eq "";
            print join("\t", $rel, $kind, lc($e->recipient->address // ""), $status,
                       $e->action // "", $hard, $e->feedbacktype // ""), "\n";
        }
    }' "$corpus" > "$results"
echo "sisimai $(perl -MSisimai -e 'print $Sisimai::VERSION'):"
"$builddir/bench/bounce-score" "$corpus" sisimai < "$results"
echo
if [ -x "$builddir/tests/core/reports/test-reports" ]; then
    SW_CORPUS_DIR=$corpus "$builddir/tests/core/reports/test-reports" 2>/dev/null | grep '^sendwarden:'
fi
