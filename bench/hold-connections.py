#!/usr/bin/env python3
"""Opens N idle TCP connections to HOST:PORT and holds them until stdin closes.

Prints "open N" once every connection is established (each is confirmed by a completed connect),
"error ..." on the first failure. Used by bench/capacity.sh.
"""
import selectors
import socket
import sys

host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sel = selectors.DefaultSelector()
socks = []
pending = 0
for i in range(count):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    s.connect_ex((host, port))
    sel.register(s, selectors.EVENT_WRITE)
    socks.append(s)
    pending += 1
    # do not outrun the listen backlog: wait for completions every 500 connects
    while pending > 500 or (i == count - 1 and pending > 0):
        for key, _ in sel.select(timeout=10):
            err = key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                print("error connect: errno %d" % err, flush=True)
                sys.exit(1)
            sel.unregister(key.fileobj)
            pending -= 1
print("open %d" % len(socks), flush=True)
sys.stdin.read()
for s in socks:
    s.close()
