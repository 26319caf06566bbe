#!/usr/bin/env python3
"""Turns run.sh's raw results (one JSON object per line) into the markdown report.

Usage: report.py RESULTS.jsonl META.json > report.md
Ratios are computed within the same run: contender/direct, and nexus-proxy's CPU per request against the
peer each target names (issue 23).
"""
import json
import statistics
import sys
from collections import defaultdict

results = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
meta = json.load(open(sys.argv[2]))
PROFILES = [p["name"] for p in meta["profiles"]]
PROFILE = {p["name"]: p for p in meta["profiles"]}
PEERS = ["haproxy", "privoxy", "squid", "tinyproxy", "mitmproxy"]
SCENARIOS = {"a": "plain HTTP, header injection", "b": "intercepted HTTPS, injection",
             "d": "CONNECT tunnel (plain HTTP inside)", "e": "plain HTTP, injection, new connection per request"}
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


def cpu(scenario, contender):
    return by.get((scenario, "32"), {}).get(contender, {}).get("proxy_cpu_us_per_req")


def rps(scenario, contender):
    return by.get((scenario, "32"), {}).get(contender, {}).get("rps")


out = []
w = out.append
w(f"## {meta['date']}, commit {meta['commit']}, {meta['mode']} run")
w("")
w(f"- Command: `{meta['command']}` (sections: {meta['sections']}; warm-up {meta['warmup_s']} s and measured window "
  f"{meta['duration_s']} s per run, after a {meta['prewarm_s']} s JIT warm-up per path of each fresh nexus-proxy)")
w(f"- Machine: {meta['nproc']} cores ({meta['cpu'].strip()}), {meta['memory']} memory, Linux {meta['kernel']}, {meta['jdk']}")
v = meta["versions"]
w("- Peers: " + "; ".join(v[k] or f"{k}: not installed" for k in ["haproxy", "privoxy", "squid", "tinyproxy", "mitmproxy"])
  + f"; {v['openssl']}")
w(f"- Measured in this run: direct, {meta['contenders'].replace(' ', ', ')}")
nice = f", every benchmark process at nice {meta['nice']}" if meta.get("nice") else ""
w(f"- Pinning: proxy under test on core 0 (`taskset -c 0`), load client and origin on core 1{nice}. nexus-proxy: one "
  f"event loop, access log off, audit on (default), upstream pool 1024 per host. HAProxy: reverse proxy in front of "
  f"the origin (`http-request set-header`, `http-reuse always`); privoxy: `add-header`, `connection-sharing`, "
  f"`https-inspection` for the HTTPS origin; squid: no cache, `ssl_bump` on its second port for b.")
w("- CPU per request: utime+stime of the proxy process from /proc over exactly the measured window, divided by "
  "the requests completed in it (the kernel share in brackets). Peak RSS: VmHWM after resetting it (clear_refs) "
  "at the start of the window.")
loads = [r["loadavg"] for r in results if r.get("loadavg")]
if loads:
    firsts = [float(l.split()[0]) for l in loads]
    w(f"- Load average (1 min) while measuring: min {min(firsts):.2f}, median {statistics.median(firsts):.2f}, "
      f"max {max(firsts):.2f} (other builds share this machine; each row carries its own)")
if meta.get("image_env"):
    w(f"- Environment from the image (Dockerfile `ENV`), for every profile: `{meta['image_env']}`")
w("")
w("| nexus-proxy profile | JVM flags (from the chart) | memory request / limit MiB |")
w("|---|---|---|")
for p in meta["profiles"]:
    w(f"| {p['name']} | `{p['flags']}` | {p['request_mib'] or '-'} / {p['limit_mib'] or '-'} |")
w("")


def scenario_table(scenario, param="32", note=""):
    contenders = by.get((scenario, param), {})
    if not contenders:
        return
    direct = contenders.get("direct", {})
    metric = "mb_per_s" if scenario.endswith("8mib") else "rps"
    w("| contender | req/s | MB/s | vs direct | CPU us/req (kernel %) | peak RSS MiB | p50 ms | p99 ms | errors | reconn. | load avg |")
    w("|---|---|---|---|---|---|---|---|---|---|---|")
    for name in ["direct"] + PROFILES + PEERS:
        r = contenders.get(name)
        if not r:
            continue
        if "unavailable" in r:
            w(f"| {name} | {r['unavailable']} | | | | | | | | | |")
            continue
        vs = ratio(r.get(metric), direct.get(metric)) if name != "direct" else ""
        w(f"| {name} | {num(r.get('rps'))} | {num(r.get('mb_per_s'), 1)} | {vs} "
          f"| {num(r.get('proxy_cpu_us_per_req'), 1)}{kernel_share(r)} | {mib(r.get('proxy_peak_rss_kib'))} "
          f"| {ms(r.get('p50_us'))} | {ms(r.get('p99_us'))} | {num(r.get('errors'))} | {num(r.get('reconnects'))} | {r['loadavg']} |")
    for r in contenders.values():
        if r.get("first_error"):
            w(f"- {r['contender']}: first error: `{r['first_error'][:200]}`")
    if note:
        w("")
        w(note)
    w("")


if any(s in SCENARIOS for (s, _) in by):
    w("### Headline: 1 KiB responses, 32 connections")
    w("")
    w("CPU microseconds per request of the proxy process, and throughput as a ratio to direct:")
    w("")
    peers = [p for p in PEERS if any(cpu(s, p) for s in SCENARIOS)]
    w("| scenario | " + " | ".join(peers + PROFILES) + " |")
    w("|---|" + "---|" * (len(peers) + len(PROFILES)))
    for s, title in SCENARIOS.items():
        cells = [f"{num(cpu(s, p), 0)}" if cpu(s, p) else "–" for p in peers]
        for p in PROFILES:
            c = cpu(s, p)
            cells.append(f"{num(c, 0)}; {ratio(rps(s, p), rps(s, 'direct'))} direct" if c else "–")
        w(f"| {s}. {title} | " + " | ".join(cells) + " |")
    peaks = []
    for p in peers + PROFILES:
        values = [by[(s, "32")][p]["proxy_peak_rss_kib"] for s in SCENARIOS
                  if by.get((s, "32"), {}).get(p, {}).get("proxy_peak_rss_kib", -1) > 0]
        peaks.append(f"{min(values) / 1024:.0f}-{max(values) / 1024:.0f}" if values else "–")
    w("| peak RSS MiB (min-max over scenarios) | " + " | ".join(peaks) + " |")
    w("")
    for s, title in SCENARIOS.items():
        if by.get((s, "32")):
            w(f"#### {s}. {title}")
            w("")
            scenario_table(s)

warm = defaultdict(list)  # (profile, scenario) -> windows
for r in results:
    if r["scenario"].startswith("warm-") and "window" in r:
        warm[(r["contender"], r["scenario"][5:])].append(r)
if warm:
    w("### Warm start: a fresh process, load from 5 s after `/readyz`")
    w("")
    w(f"Ready = from exec to the first `/readyz` 200 (polled every 100 ms). Idle RSS at 5 s after ready, before "
      f"any request. Then one load client (32 connections) for consecutive {meta['warm_window_s']} s windows; each "
      f"window's CPU per request is compared with the same profile's steady state in the headline above.")
    w("")
    w("| profile | scenario | ready ms | idle RSS MiB | CPU us/req per window | first window / steady | worst window / steady | peak RSS MiB (max over windows) |")
    w("|---|---|---|---|---|---|---|---|")
    for (profile, s), windows in sorted(warm.items()):
        windows.sort(key=lambda r: int(r["window"]))
        cpus = [r.get("proxy_cpu_us_per_req") or 0 for r in windows]
        steady = cpu(s, profile)
        peak = max(r.get("proxy_peak_rss_kib", -1) for r in windows)
        first = f"{cpus[0] / steady:.2f}x" if steady and cpus[0] else "-"
        worst = f"{max(cpus) / steady:.2f}x" if steady and cpus else "-"
        w(f"| {profile} | {s} | {windows[0]['ready_ms']:,} | {windows[0]['idle_rss_kib'] / 1024:.0f} "
          f"| {' / '.join(f'{c:.0f}' for c in cpus)} | {first} | {worst} | {mib(peak)} |")
    w("")

idle = [r for r in results if r["scenario"] == "idle-connections"]
if idle:
    w("### Footprint: idle keep-alive connections")
    w("")
    w("| idle keep-alive connections | profile | RSS MiB | RSS per conn KiB | heap after GC MiB | heap per conn KiB "
      "| direct buffers MiB | direct per conn KiB |")
    w("|---|---|---|---|---|---|---|---|")
    for r in idle:
        n = int(r["param"])
        if "error" in r:
            w(f"| {n:,} | {r['contender']} | {r['error']} | | | | | |")
            continue
        w(f"| {n:,} | {r['contender']} | {r['rss_kib'] / 1024:.0f} (idle {r['base_rss_kib'] / 1024:.0f}) "
          f"| {(r['rss_kib'] - r['base_rss_kib']) / n:.1f} | {r['heap_bytes'] / 2**20:.1f} "
          f"| {(r['heap_bytes'] - r['base_heap_bytes']) / n / 1024:.2f} | {r['direct_bytes'] / 2**20:.1f} "
          f"| {(r['direct_bytes'] - r['base_direct_bytes']) / n / 1024:.2f} |")
    w("")
    w("Each held connection has sent one request through the proxy and then stays open and idle "
      "(`scripts/idle_holder.py`); the upstream side is pooled (at most a few connections).")
    w("")

for scenario, title in [("plain-keepalive", "plain HTTP with injection (a) at more connections"),
                        ("tunnel-8mib", "CONNECT tunnel, 8 MiB downloads, 4 connections (MB/s)"),
                        ("forward-8mib", "forwarded 8 MiB downloads with injection, 4 connections (MB/s)"),
                        ("https-newconn", "intercepted HTTPS, new connection per request (handshakes)")]:
    for param in sorted({p for (s, p) in by if s == scenario}, key=int):
        w(f"### Extra: {title}, {param} connections")
        w("")
        scenario_table(scenario, param)

policy = sorted({p for (s, p) in by if s == "policy-size"}, key=int)
if policy:
    w("### Extra: policy size (plain HTTP injection, 32 connections)")
    w("")
    w("| routes | ready ms | RSS after ready MiB | req/s | p50 ms | p99 ms | errors | CPU us/req | peak RSS MiB | vs 10 routes | load avg |")
    w("|---|---|---|---|---|---|---|---|---|---|---|")
    base = by[("policy-size", policy[0])].get("nexus", {})
    for routes in policy:
        r = by[("policy-size", routes)].get("nexus", {})
        ready = by.get(("policy-ready", routes), {}).get("nexus", {})
        w(f"| {int(routes):,} | {num(ready.get('ready_ms'))} | {mib(ready.get('rss_after_ready_kib'))} | {num(r.get('rps'))} "
          f"| {ms(r.get('p50_us'))} | {ms(r.get('p99_us'))} | {num(r.get('errors'))} "
          f"| {num(r.get('proxy_cpu_us_per_req'), 1)} | {mib(r.get('proxy_peak_rss_kib'))} "
          f"| {ratio(r.get('rps'), base.get('rps'))} | {r.get('loadavg', '')} |")
    w("")

cold = by.get(("cold-burst", "200"), {})
if cold:
    w("### Extra: cold credential path (200 concurrent requests, lease not cached)")
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

# Targets of issue 23, per profile.
w("### Targets (issue 23)")
w("")
w("| profile | target | measured | met? |")
w("|---|---|---|---|")


def target(profile, name, value, ok):
    w(f"| {profile} | {name} | {value} | {'yes' if ok else ('no' if ok is not None else 'not measured')} |")


def cpu_target(profile, scenario, limit, peers, label):
    mine = cpu(scenario, profile)
    refs = [(cpu(scenario, p), p) for p in peers if cpu(scenario, p)]
    if not mine or not refs:
        target(profile, f"{scenario}: CPU/request <= {limit}x {label}", "-", None)
        return
    ref, peer = min(refs)
    target(profile, f"{scenario}: CPU/request <= {limit}x {label}", f"{mine:.0f} us = {mine / ref:.2f}x {peer} ({ref:.0f} us)",
           mine <= limit * ref)


for profile in PROFILES:
    cpu_target(profile, "a", 1.0, ["haproxy"], "HAProxy")
    cpu_target(profile, "b", 0.5, ["squid"], "squid-bump")
    cpu_target(profile, "d", 0.6, ["privoxy", "squid"], "the better of privoxy and squid")
    cpu_target(profile, "e", 1.0, ["haproxy"], "HAProxy")
    for s, floor in [("a", 0.9), ("b", 0.9), ("d", 0.9), ("e", 1.0)]:
        mine, direct = rps(s, profile), rps(s, "direct")
        target(profile, f"{s}: throughput >= {floor}x direct", ratio(mine, direct) if mine and direct else "-",
               mine / direct >= floor if mine and direct else None)
    peaks = [(by[(s, "32")][profile].get("proxy_peak_rss_kib", -1), s) for s in SCENARIOS
             if by.get((s, "32"), {}).get(profile)]
    peaks += [(r.get("proxy_peak_rss_kib", -1), f"warm {s}") for (p, s), rs in warm.items() if p == profile for r in rs]
    peaks = [(k, s) for k, s in peaks if k and k > 0]
    if peaks:
        peak, where = max(peaks)
        limit = PROFILE[profile].get("limit_mib")
        request = PROFILE[profile].get("request_mib")
        if profile == "sidecar":
            target(profile, "peak RSS <= 96 MiB in every scenario", f"{peak / 1024:.0f} MiB ({where})", peak / 1024 <= 96)
        elif profile == "gateway" and request:
            target(profile, f"peak RSS within its memory request ({request} MiB)", f"{peak / 1024:.0f} MiB ({where})",
                   peak / 1024 <= int(request))
        if limit:
            target(profile, f"never above its container limit ({limit} MiB)", f"{peak / 1024:.0f} MiB ({where})",
                   peak / 1024 <= int(limit))
    idles = [rs[0]["idle_rss_kib"] for (p, s), rs in warm.items() if p == profile]
    if profile == "sidecar" and idles:
        target(profile, "idle RSS <= 64 MiB (5 s after ready)", f"{max(idles) / 1024:.0f} MiB", max(idles) / 1024 <= 64)
    for (p, s), windows in sorted(warm.items()):
        steady = cpu(s, p)
        if p == profile and steady:
            worst = max(r.get("proxy_cpu_us_per_req") or 0 for r in windows)
            target(profile, f"warm start ({s}): CPU/request from 5 s after ready within 1.5x steady",
                   f"worst window {worst:.0f} us = {worst / steady:.2f}x {steady:.0f} us", worst <= 1.5 * steady)
w("")
if meta.get("jfr_top"):
    w("### JFR: hottest frames in nexus-proxy during the run")
    w("")
    w("```")
    w(meta["jfr_top"].strip())
    w("```")
    w("")
print("\n".join(out))
