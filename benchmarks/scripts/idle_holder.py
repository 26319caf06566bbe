#!/usr/bin/env python3
"""Holds N idle keep-alive connections to a proxy, for the footprint benchmark.

Each connection sends one request (absolute-form GET of URL through the proxy), reads the whole
response, and then stays open and idle. Prints "holding N" once all are established, then waits
for SIGTERM.
Usage: idle_holder.py PROXY_HOST PROXY_PORT URL N
"""
import signal
import socket
import sys
from urllib.parse import urlsplit

host, port, url, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
authority = urlsplit(url).netloc
request = f"GET {url} HTTP/1.1\r\nHost: {authority}\r\n\r\n".encode()


def read_response(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the response head")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise ConnectionError("unexpected response: " + head.split(b"\r\n")[0].decode(errors="replace"))
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed mid-body")
        body += chunk


held = []
for i in range(count):
    s = socket.create_connection((host, port), timeout=30)
    s.sendall(request)
    read_response(s)
    held.append(s)
print(f"holding {len(held)}", flush=True)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
while True:
    signal.pause()
