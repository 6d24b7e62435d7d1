#!/bin/sh
# `make run`: start sendwarden-policyd in the foreground on the example
# policy in policy/, with its state and socket under ./run/ of the build tree.
# usage: contrib/run-local.sh SRCDIR BUILDDIR
set -eu
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
run="$build/run"
mkdir -p "$run/state"
conf="$run/sendwarden.conf"
cat > "$conf" <<CONF
# Written by 'make run'; edit freely, it is not overwritten while it exists.
[global]
policy_dir = $src/policy
[store]
state_dir = $run/state
counters_max_size = 256m
data_max_size = 256m
[policyd]
listen = unix:$run/policyd.sock
listen = inet:127.0.0.1:10040
socket_mode = 0666
CONF
cat <<MSG
sendwarden-policyd: config $conf, policy $src/policy, state $run/state
To point a Postfix on this machine at it, add to main.cf and run 'postfix reload':

  smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated,
      reject_unauth_destination
  smtpd_recipient_restrictions =
      check_policy_service { inet:127.0.0.1:10040, default_action=DEFER }
  smtpd_end_of_data_restrictions =
      check_policy_service { inet:127.0.0.1:10040, default_action=DEFER }

(the unix socket $run/policyd.sock works too when Postfix can reach it).
Check a user's buckets: $build/src/cli/sendwarden -c $conf limits status --user alice@acme.example
Reload the policy: kill -HUP <pid>; stop: Ctrl-C.
MSG
exec "$build/src/policyd/sendwarden-policyd" -c "$conf" --foreground
