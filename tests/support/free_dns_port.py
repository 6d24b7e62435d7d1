#!/usr/bin/python3
"""Prints a port on 127.0.0.1 free for both UDP and TCP, for a test's DNS
server (dnsmasq binds both). Chosen below the kernel's ephemeral range
(32768 and up), so that the client sockets of tests running in parallel
cannot take it between this check and the server's bind."""
import random
import socket

for _ in range(200):
    port = random.randint(20000, 32000)
    socks = []
    try:
        for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            s = socket.socket(socket.AF_INET, kind)
            socks.append(s)
            s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        for s in socks:
            s.close()
    print(port)
    break
else:
    raise SystemExit("no free port for DNS between 20000 and 32000")
