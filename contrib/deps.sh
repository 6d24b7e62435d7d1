#!/bin/sh
# Install the Debian 12 packages that building and testing sendwarden need.
# Idempotent: installs only what is missing; does nothing when all is present.
# usage: contrib/deps.sh [--build-only]
set -eu

build_pkgs="build-essential autoconf automake pkg-config
  liblmdb-dev libboost-dev libboost-program-options-dev nlohmann-json3-dev catch2
  libmilter-dev libopendkim-dev libspf2-dev libunbound-dev libssl-dev libyaml-cpp-dev libgmime-3.0-dev
  libidn2-dev libpsl-dev publicsuffix libxml2-dev libzip-dev zlib1g-dev libsystemd-dev"
# run-time tools the test suite and benchmarks drive (real Postfix, postfwd as
# the peer to beat, mandoc for man-page lint, python3 for test helpers,
# dkimpy (with python3-nacl for Ed25519) and Mail::DKIM as independent DKIM
# verifiers, dnsmasq as the tests' loopback DNS server, opendkim as the
# signing peer of the benchmark, pyspf as the peer of the SPF benchmark,
# chromium to render the DMARC HTML report, systemd for systemd-analyze on
# our units, clang with its sanitizer and libFuzzer run-time for CI's
# fuzzing build)
test_pkgs="postfix postfwd mandoc python3 lmdb-utils procps iproute2 util-linux
  python3-dkim python3-nacl python3-yaml libmail-dkim-perl dnsmasq-base opendkim openssl
  python3-spf chromium systemd clang libclang-rt-14-dev"

pkgs=$build_pkgs
[ "${1:-}" = "--build-only" ] || pkgs="$pkgs $test_pkgs"

missing=""
for p in $pkgs; do
  s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$s" = "install ok installed" ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "deps.sh: missing Debian packages:$missing (run as root: apt-get install$missing)" >&2
    exit 1
  fi
else SUDO=""; fi

echo "deps.sh: installing:$missing" >&2
# Postfix must not try to configure this machine as a mail server.
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
