#!/usr/bin/env python3
"""Writes a benchmark policy with exactly TOTAL routes (generated at run time, never committed).

The first three routes are the ones the benchmark uses (all on 127.0.0.1):
  bench-inject        http  ORIGIN_HTTP   inject CONNECTION (header strategy from the credential source)
  bench-https-inject  https ORIGIN_HTTPS  inject CONNECTION (TLS interception)
  bench-tunnel        any   ORIGIN_TUNNEL allow (CONNECT passthrough / plain forwarding)
The rest are filler allow routes on made-up names, 9 exact hosts for every wildcard, so matching has
a realistically large host table to search.
With WARM_CONNECTION, a fourth route (bench-warm) injects that connection for paths under /warm/ on
ORIGIN_HTTP: the cold-credential scenario warms the proxy up through it (JIT, Authority client, pooled
upstream connections to the same origin) without ever touching CONNECTION's lease.
Usage: gen_policy.py FILE TOTAL CONNECTION ORIGIN_HTTP ORIGIN_TUNNEL ORIGIN_HTTPS [WARM_CONNECTION]
"""
import sys

path, total, connection = sys.argv[1], int(sys.argv[2]), sys.argv[3]
origin_http, origin_tunnel, origin_https = sys.argv[4:7]
warm_connection = sys.argv[7] if len(sys.argv) > 7 else None
lines = [
    "version: 1",
    "defaults: {action: deny}",
    "routes:",
    f"  - {{name: bench-inject, match: {{hosts: [127.0.0.1], ports: [{origin_http}], schemes: [http]}}, "
    f"action: inject, connection: {connection}}}",
    f"  - {{name: bench-https-inject, match: {{hosts: [127.0.0.1], ports: [{origin_https}], schemes: [https]}}, "
    f"action: inject, connection: {connection}}}",
    f"  - {{name: bench-tunnel, match: {{hosts: [127.0.0.1], ports: [{origin_tunnel}]}}, action: allow}}",
]
if warm_connection:
    lines.append(f"  - {{name: bench-warm, match: {{hosts: [127.0.0.1], ports: [{origin_http}], schemes: [http], "
                 f"paths: ['/warm/**']}}, action: inject, connection: {warm_connection}}}")
for i in range(max(0, total - len(lines) + 3)):
    host = f"*.w{i}.bench.example" if i % 10 == 9 else f"svc{i}.team{i % 97}.bench.example"
    lines.append(f"  - {{name: filler-{i}, match: {{hosts: ['{host}'], ports: [443]}}, action: allow}}")
with open(path, "w") as out:
    out.write("\n".join(lines) + "\n")
