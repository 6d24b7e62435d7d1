# postfix_services.sh — sourced by tests/e2e/lib.sh and bench/milter-bench.sh:
# postfix_services prints the master.cf lines of every service a private
# loopback Postfix needs besides its smtpd listeners, all unchrooted
# (chroot column "n"), with postlogd so that maillog_file works without a
# syslog daemon.
postfix_services() {
    cat <<'EOF_SERVICES'
pickup         unix  n       -      n      60     1       pickup
cleanup        unix  n       -      n      -      0       cleanup
qmgr           unix  n       -      n      300    1       qmgr
rewrite        unix  -       -      n      -      -       trivial-rewrite
bounce         unix  -       -      n      -      0       bounce
defer          unix  -       -      n      -      0       bounce
trace          unix  -       -      n      -      0       bounce
verify         unix  -       -      n      -      1       verify
flush          unix  n       -      n      1000?  0       flush
proxymap       unix  -       -      n      -      -       proxymap
proxywrite     unix  -       -      n      -      1       proxymap
smtp           unix  -       -      n      -      -       smtp
relay          unix  -       -      n      -      -       smtp
showq          unix  n       -      n      -      -       showq
error          unix  -       -      n      -      -       error
retry          unix  -       -      n      -      -       error
discard        unix  -       -      n      -      -       discard
anvil          unix  -       -      n      -      1       anvil
scache         unix  -       -      n      -      1       scache
postlog        unix-dgram n  -      n      -      1       postlogd
EOF_SERVICES
}
