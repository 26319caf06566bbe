#!/usr/bin/env python3
"""Turns run.sh's raw results (one JSON object per line) into the markdown report.

Usage: report.py RESULTS.jsonl META.json > report.md
Ratios are computed within the same run: contender/direct and nexus/peer.
"""
import json
import statistics
import sys
from collections import defaultdict

results = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
meta = json.load(open(sys.argv[2]))
PEERS = ["squid", "tinyproxy", "mitmproxy"]
by = defaultdict(dict)  # (scenario, param) -> contender -> record
for r in results:
    by[(r["scenario"], r["param"])][r["contender"]] = r


def num(value, digits=0):
    if value is None or value == "":
        return "-"
    if isinstance(value, str):
        return value
    return f"{value:,.{digits}f}"


def ratio(a, b):
    return f"{a / b:.2f}x" if a and b else "-"


def kernel_share(r):
    cpu = r.get("proxy_cpu_s")
    return f" ({100 * r['proxy_sys_s'] / cpu:.0f}%)" if cpu and r.get("proxy_sys_s") is not None else ""


def ms(us):
    return "-" if us is None else f"{us / 1000:.2f}"


def mib(kib):
    return "-" if not kib or kib < 0 else f"{kib / 1024:.0f}"


out = []
w = out.append
w(f"## {meta['date']}, commit {meta['commit']}, {meta['mode']} run")
w("")
w(f"- Command: `{meta['command']}` (warm-up {meta['warmup_s']} s, measured window {meta['duration_s']} s per run)")
w(f"- Machine: {meta['nproc']} cores ({meta['cpu'].strip()}), {meta['memory']} memory, Linux {meta['kernel']}, {meta['jdk']}")
v = meta["versions"]
w(f"- Contenders: nexus-proxy {meta['commit']}; {v['squid'] or 'squid: not installed'} (squid-openssl); "
  f"{v['tinyproxy'] or 'tinyproxy: not installed'}; {v['mitmproxy'] or 'mitmproxy: not installed'}; {v['openssl']}")
w(f"- Measured in this run: direct, {meta['contenders'].replace(' ', ', ')}")
nice = f", every benchmark process at nice {meta['nice']}" if meta.get("nice") else ", default nice"
w(f"- Pinning: proxy under test on core 0 (`taskset -c 0`), load client and origin on core 1{nice}. "
  f"nexus-proxy JVM: `{meta['nexus_jvm']}`, one event loop, access log off, upstream pool 1024 per host; "
  f"after start, nexus-proxy gets a JIT warm-up load through the inject route, and before the HTTPS "
  f"scenarios one through the interception path (not measured; "
  f"steady state is what the tables show, startup is measured separately); "
  f"squid with `workers 1`, no cache, access log off; tinyproxy and mitmproxy (`mitmdump -q`) with defaults.")
w(f"- CPU per request: utime+stime of the proxy process from /proc, read by the load client at the first and "
  f"last instant of the measured window, divided by the requests completed in it. Peak RSS: VmHWM after "
  f"resetting it (clear_refs) at the start of the window.")
loads = [r["loadavg"] for r in results if r.get("loadavg")]
if loads:
    firsts = [float(l.split()[0]) for l in loads]
    w(f"- Load average (1 min) while measuring: min {min(firsts):.2f}, median {statistics.median(firsts):.2f}, "
      f"max {max(firsts):.2f} (other builds share this machine; each row carries its own below)")
w("")


def throughput_table(title, scenario, params, note=""):
    rows = [(p, by.get((scenario, p), {})) for p in params]
    rows = [(p, c) for p, c in rows if c]
    if not rows:
        return
    w(f"### {title}")
    w("")
    if note:
        w(note)
        w("")
    w("| conns | contender | req/s | MB/s | p50 ms | p99 ms | p99.9 ms | errors | reconn. | CPU s/10k req | CPU us/req (kernel %) "
      "| peak RSS MiB | vs direct | nexus/this | added p99 ms | load avg |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for param, contenders in rows:
        direct = contenders.get("direct", {})
        nexus = contenders.get("nexus", {})
        for name in ["direct", "nexus"] + PEERS:
            r = contenders.get(name)
            if not r:
                continue
            if "unavailable" in r:
                w(f"| {param} | {name} | {r['unavailable']} | | | | | | | | | | | | | |")
                continue
            metric = "mb_per_s" if scenario.endswith("8mib") else "rps"
            vs_direct = ratio(r.get(metric), direct.get(metric)) if name != "direct" else ""
            nexus_this = ratio(nexus.get(metric), r.get(metric)) if name in PEERS else ""
            added = "" if name == "direct" or r.get("p99_us") is None or direct.get("p99_us") is None \
                else f"{(r['p99_us'] - direct['p99_us']) / 1000:+.2f}"
            w(f"| {param} | {name} | {num(r.get('rps'))} | {num(r.get('mb_per_s'), 1)} | {ms(r.get('p50_us'))} "
              f"| {ms(r.get('p99_us'))} | {ms(r.get('p999_us'))} | {num(r.get('errors'))} | {num(r.get('reconnects'))} "
              f"| {num(r.get('proxy_cpu_s_per_10k'), 2)} | {num(r.get('proxy_cpu_us_per_req'), 1)}{kernel_share(r)} "
              f"| {mib(r.get('proxy_peak_rss_kib'))} | {vs_direct} | {nexus_this} | {added} | {r['loadavg']} |")
    w("")
    for param, contenders in rows:
        for r in contenders.values():
            if r.get("first_error"):
                w(f"- {param} {r['contender']}: first error: `{r['first_error'][:200]}`")
    w("")


params = lambda scenario: sorted({p for (s, p) in by if s == scenario}, key=lambda x: int(x) if x.isdigit() else 0)
throughput_table("Scenario 1: plain HTTP, 1 KiB responses, keep-alive, header injection", "plain-keepalive",
                 params("plain-keepalive"),
                 "Each proxy adds `X-Bench-Key` (nexus: inject route, header strategy, file credential source; squid "
                 "`request_header_add`; tinyproxy `AddHeader`; mitmproxy addon); the script checks that the origin "
                 "sees it before measuring. Direct sends the header itself. tinyproxy closes the connection after "
                 "every response, so its keep-alive rows are really connection-per-request rows (see `reconn.`).")
throughput_table("Scenario 1b: plain HTTP, 1 KiB, new connection per request, header injection", "plain-newconn",
                 params("plain-newconn"))
throughput_table("Scenario 4: CONNECT tunnel passthrough, 8 MiB downloads (MB/s)", "tunnel-8mib", params("tunnel-8mib"),
                 "Plain HTTP inside the tunnel, so the figure is the proxy's relay cost alone (no TLS on either end). "
                 "mitmproxy runs with `--ignore-hosts` for this origin, i.e. real passthrough.")
throughput_table("Scenario 4b: forwarded 8 MiB downloads (absolute-form, header injection, MB/s)", "forward-8mib",
                 params("forward-8mib"), "mitmproxy with `stream_large_bodies=1m`.")
throughput_table("Scenario 2: HTTPS with interception and injection, keep-alive", "https-keepalive",
                 params("https-keepalive"))
throughput_table("Scenario 3: HTTPS with interception, new connection per request", "https-newconn",
                 params("https-newconn"))
if not any(s.startswith("https") for (s, _) in by):
    w("### Scenarios 2 and 3: HTTPS interception")
    w("")
    w("Not run (`--https` not given).")
    w("")

policy = [(p, by.get(("policy-size", p), {}).get("nexus"), by.get(("policy-ready", p), {}).get("nexus"))
          for p in params("policy-size")]
if policy:
    w("### Scenario 6: policy size (nexus-proxy, plain HTTP injection, 32 connections)")
    w("")
    w("| routes | ready ms | RSS after ready MiB | req/s | p50 ms | p99 ms | p99.9 ms | errors | CPU us/req | peak RSS MiB | vs 10 routes | load avg |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|")
    base = policy[0][1] or {}
    for routes, r, ready in policy:
        r = r or {}
        ready = ready or {}
        w(f"| {int(routes):,} | {num(ready.get('ready_ms'))} | {mib(ready.get('rss_after_ready_kib'))} | {num(r.get('rps'))} "
          f"| {ms(r.get('p50_us'))} | {ms(r.get('p99_us'))} | {ms(r.get('p999_us'))} | {num(r.get('errors'))} "
          f"| {num(r.get('proxy_cpu_us_per_req'), 1)} | {mib(r.get('proxy_peak_rss_kib'))} "
          f"| {ratio(r.get('rps'), base.get('rps'))} | {r.get('loadavg', '')} |")
    w("")

cold = by.get(("cold-burst", "200"), {})
if cold:
    w("### Scenario 5: cold credential path (200 concurrent requests, lease not cached)")
    w("")
    w("nexus-proxy with `authority.type: nexus` against the test Authority (`scripts/test_authority.py`, which "
      "answers `GET /v1/token/{id}` after 100 ms and counts calls). The proxy was first warmed up through "
      "another inject route with another connection (so the Authority client and the inject path are "
      "warm); then all 200 connections are opened and every one sends its request at the same instant, "
      "for a connection id the proxy has never seen.")
    w("")
    w("| contender | completed | errors | TTFB p50 ms | TTFB p99 ms | TTFB max ms | Authority token calls | load avg |")
    w("|---|---|---|---|---|---|---|---|")
    for name in ["direct", "nexus"]:
        r = cold.get(name)
        if r:
            calls = r.get("authority_calls", {}).get("token", "-") if name == "nexus" else "n/a"
            w(f"| {name} | {num(r.get('requests'))} | {num(r.get('errors'))} | {ms(r.get('ttfb_p50_us'))} "
              f"| {ms(r.get('ttfb_p99_us'))} | {ms(r.get('ttfb_max_us'))} | {calls} | {r['loadavg']} |")
    w("")

startup = [r for r in results if r["scenario"] == "startup"]
if startup:
    w("### Footprint: startup and idle memory (nexus-proxy, 3 routes, file credentials)")
    w("")
    w(f"Sidecar profile flags: `{meta['sidecar_jvm']}`; `sidecar-appcds` adds `-XX:SharedArchiveFile=` with an "
      f"archive the script records first (`-XX:ArchiveClassesAtExit`, one training start with a few requests). "
      f"Ready = from exec to the first `/readyz` 200 (polled every 100 ms, so up to 100 ms late).")
    w("")
    w("| profile | samples | ready ms (median) | ready ms (each) | idle RSS MiB (median) | load avg |")
    w("|---|---|---|---|---|---|")
    for profile in ["default", "sidecar", "sidecar-appcds"]:
        rs = [r for r in startup if r["param"] == profile]
        if rs:
            w(f"| {profile} | {len(rs)} | {statistics.median(r['ready_ms'] for r in rs):.0f} "
              f"| {', '.join(str(r['ready_ms']) for r in rs)} | {statistics.median(r['idle_rss_kib'] for r in rs) / 1024:.0f} "
              f"| {rs[0]['loadavg']} |")
    w("")
    idle = [r for r in results if r["scenario"] == "idle-connections"]
    if idle:
        w("| idle keep-alive connections | profile | RSS MiB | RSS per conn KiB | heap after GC MiB | heap per conn KiB "
          "| direct buffers MiB | direct per conn KiB |")
        w("|---|---|---|---|---|---|---|---|")
        for r in idle:
            n = int(r["param"])
            if "error" in r:
                w(f"| {n:,} | {r['profile']} | {r['error']} | | | | | |")
                continue
            w(f"| {n:,} | {r['profile']} | {r['rss_kib'] / 1024:.0f} (idle {r['base_rss_kib'] / 1024:.0f}) "
              f"| {(r['rss_kib'] - r['base_rss_kib']) / n:.1f} | {r['heap_bytes'] / 2**20:.1f} "
              f"| {(r['heap_bytes'] - r['base_heap_bytes']) / n / 1024:.2f} | {r['direct_bytes'] / 2**20:.1f} "
              f"| {(r['direct_bytes'] - r['base_direct_bytes']) / n / 1024:.2f} |")
        w("")
        w("Each held connection has sent one request through the proxy and then stays open and idle "
          "(`scripts/idle_holder.py`); the upstream side is pooled (at most a few connections).")
        w("")
    loaded = [r for r in results if r["scenario"] == "sidecar-load" and "rps" in r]
    if loaded:
        w("Under load with the same flags: the inject route (header strategy), 1 KiB responses, 32 keep-alive "
          "connections; peak RSS is VmHWM over the measured window.")
        w("")
        w("| profile | req/s | p99 ms | CPU us/req | peak RSS MiB under load | load avg |")
        w("|---|---|---|---|---|---|")
        for r in loaded:
            w(f"| {r['param']} | {num(r['rps'])} | {ms(r.get('p99_us'))} | {num(r.get('proxy_cpu_us_per_req'), 1)} "
              f"| {mib(r.get('proxy_peak_rss_kib'))} | {r['loadavg']} |")
        w("")

# Targets from issues #2, #6, #8 and #9.
w("### Targets")
w("")
w("| target | measured | met? |")
w("|---|---|---|")


def target(name, value, ok):
    w(f"| {name} | {value} | {'yes' if ok else ('no' if ok is not None else 'not measured')} |")


p32 = by.get(("plain-keepalive", "32"), {})
n32, d32 = p32.get("nexus", {}), p32.get("direct", {})
if n32.get("rps") and d32.get("rps"):
    target("plain HTTP injection >= 0.9x direct at 32 connections", ratio(n32["rps"], d32["rps"]),
           n32["rps"] / d32["rps"] >= 0.9)
    target("<= 40 CPU us per request (32 connections)", f"{n32.get('proxy_cpu_us_per_req', 0):.1f} us",
           n32.get("proxy_cpu_us_per_req", 1e9) <= 40)
    added = (n32["p99_us"] - d32["p99_us"]) / 1000
    target("p99 added latency <= 1 ms at 32 connections", f"{added:+.2f} ms", added <= 1)
t = by.get(("tunnel-8mib", "4"), {})
if t.get("nexus", {}).get("mb_per_s") and t.get("direct", {}).get("mb_per_s"):
    r = t["nexus"]["mb_per_s"] / t["direct"]["mb_per_s"]
    target("CONNECT tunnel >= 0.95x direct (8 MiB, MB/s)", f"{r:.2f}x", r >= 0.95)
f = by.get(("forward-8mib", "4"), {})
if f.get("nexus", {}).get("mb_per_s") and f.get("direct", {}).get("mb_per_s"):
    r = f["nexus"]["mb_per_s"] / f["direct"]["mb_per_s"]
    target("8 MiB bodies >= 0.7x direct MB/s (forwarded)", f"{r:.2f}x", r >= 0.7)
hk = by.get(("https-keepalive", "32"), {})
if hk.get("nexus", {}).get("rps") and hk.get("direct", {}).get("rps"):
    r = hk["nexus"]["rps"] / hk["direct"]["rps"]
    target("intercepted HTTPS >= 0.8x direct HTTPS", f"{r:.2f}x", r >= 0.8)
else:
    target("intercepted HTTPS >= 0.8x direct HTTPS", "interception not available in this build" if hk else "not run", None)
hn = by.get(("https-newconn", "32"), {})
pn = by.get(("plain-newconn", "32"), {})
if hn.get("nexus", {}).get("rps") and hn.get("direct", {}).get("rps"):
    r = hn["nexus"]["rps"] / hn["direct"]["rps"]
    target("new connection per request >= 0.8x direct (HTTPS)", f"{r:.2f}x", r >= 0.8)
elif pn.get("nexus", {}).get("rps") and pn.get("direct", {}).get("rps"):
    r = pn["nexus"]["rps"] / pn["direct"]["rps"]
    target("new connection per request >= 0.8x direct (plain HTTP; HTTPS not available)", f"{r:.2f}x", r >= 0.8)
c = cold.get("nexus", {}) if cold else {}
if c:
    calls = c.get("authority_calls", {}).get("token")
    target("cold path: exactly 1 Authority call for 200 concurrent requests", str(calls), calls == 1 and c.get("errors") == 0)
cds = [r for r in startup if r["param"] == "sidecar-appcds"] or [r for r in startup if r["param"] == "sidecar"]
if cds:
    ready = statistics.median(r["ready_ms"] for r in cds)
    rss = statistics.median(r["idle_rss_kib"] for r in cds) / 1024
    target(f"sidecar ready < 1.5 s ({cds[0]['param']})", f"{ready:.0f} ms", ready < 1500)
    target(f"sidecar idle RSS < 96 MiB ({cds[0]['param']})", f"{rss:.0f} MiB", rss < 96)
w("")
if meta.get("jfr_top"):
    w("### JFR: hottest frames in nexus-proxy during the run")
    w("")
    w("```")
    w(meta["jfr_top"].strip())
    w("```")
    w("")
print("\n".join(out))
