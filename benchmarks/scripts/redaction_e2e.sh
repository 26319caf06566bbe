#!/usr/bin/env bash
# Issue 16, end to end: forwarded 8 MiB (and 1 KiB) downloads with header injection through one
# nexus-proxy, once on a route with redact_responses: off and once on a route with full, side by side.
# The two routes differ only in that setting and in the origin port (one BenchOrigin serves both), so
# one proxy process, one JIT and one machine state serve both; runs alternate off/full. The injected
# value is "p@ss word/with+plus" (19 bytes, three spellings), the same shortest pattern as the JMH
# RedactionBenchmark, so the scan strides as there. BenchOrigin's bodies are zero bytes: the filter
# never fires, so this measures the scan's floor (JSON-like text fires it on a small fraction of windows;
# RedactionBenchmark measures both).
# Proxy on core 0, origin and LoadClient on core 1 (as run.sh). Reports, per run, MB/s (or req/s) and
# the proxy's CPU per request (utime+stime from /proc), then the medians and their ratios.
#
#   benchmarks/scripts/redaction_e2e.sh [--runs N] [--duration S] [--no-build]
#
# Ports 18110/18111 (origin), 13139 (proxy), 19099 (admin). Stops everything it started on exit.
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
RUNS=3 DURATION=8 BUILD=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) RUNS="$2"; shift ;;
    --duration) DURATION="$2"; shift ;;
    --no-build) BUILD=0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
ORIGIN_FULL=18110 ORIGIN_OFF=18111 PROXY=13139 ADMIN=19099
# NEXUS_JAR and BENCH_JAR may name other builds (e.g. a copy of an older proxy jar for a before/after).
BENCH_JAR="${BENCH_JAR:-$ROOT/benchmarks/target/benchmarks.jar}" NEXUS_JAR="${NEXUS_JAR:-$ROOT/proxy-server/target/nexus-proxy.jar}"
WORK="$(mktemp -d /tmp/nexus-redactbench.XXXXXX)"
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

if ((BUILD)); then (cd "$ROOT" && ./mvnw -B -o -q -pl proxy-server,benchmarks -am package -DskipTests); fi

cat >"$WORK/credentials.yaml" <<'YAML'
bench:
  strategy: {type: header, config: {header_name: X-Bench-Key, credential_field: api_key}}
  credentials: {api_key: "p@ss word/with+plus"}
YAML
chmod 600 "$WORK/credentials.yaml"
cat >"$WORK/policy.yaml" <<YAML
version: 1
defaults: {action: deny}
routes:
  - {name: redact-full, match: {hosts: [127.0.0.1], ports: [$ORIGIN_FULL], schemes: [http]}, action: inject, connection: bench, redact_responses: full}
  - {name: redact-off, match: {hosts: [127.0.0.1], ports: [$ORIGIN_OFF], schemes: [http]}, action: inject, connection: bench, redact_responses: "off"}
YAML
cat >"$WORK/config.yaml" <<YAML
listen: {address: 127.0.0.1, port: $PROXY}
admin: {address: 127.0.0.1, port: $ADMIN}
transport: {event_loop_threads: 1}
access_log: {enabled: false}
timeouts: {shutdown_drain: 0s}
policy: {path: $WORK/policy.yaml}
authority: {type: file, file: {path: $WORK/credentials.yaml}}
tls: {ca_dir: $WORK/ca}
YAML

taskset -c 1 java -XX:+UseSerialGC -Xmx256m -cp "$BENCH_JAR" dev.nexus.bench.load.BenchOrigin \
  --http $ORIGIN_FULL --http $ORIGIN_OFF >"$WORK/origin.log" 2>&1 &
PIDS+=($!)
# From inside WORK: the proxy writes its admin token file into its working directory.
(cd "$WORK" && exec taskset -c 0 java -XX:+UseSerialGC -Xms256m -Xmx256m -jar "$NEXUS_JAR" --config "$WORK/config.yaml" \
  >"$WORK/proxy.log" 2>&1) &
NEXUS_PID=$!
PIDS+=($NEXUS_PID)
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$ADMIN/readyz" >/dev/null && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$ADMIN/readyz" >/dev/null || { tail -20 "$WORK/proxy.log" >&2; exit 1; }
for _ in $(seq 1 60); do curl -sf -o /dev/null "http://127.0.0.1:$ORIGIN_OFF/1k" && break; sleep 0.5; done
# Both routes inject (the origin echoes the header it got); only the full route masks the echo.
echoed() { curl -s --max-time 5 -x "http://127.0.0.1:$PROXY" "http://127.0.0.1:$1/header/X-Bench-Key"; }
[[ "$(echoed $ORIGIN_OFF)" == "p@ss word/with+plus" ]] || { echo "off route: the origin did not get the injected value" >&2; exit 1; }
[[ "$(echoed $ORIGIN_FULL)" == "*******************" ]] || { echo "full route: the echoed value was not masked" >&2; exit 1; }

load() { # PORT PATH EXPECT_BYTES CONNECTIONS WARMUP DURATION
  taskset -c 1 java -XX:+UseSerialGC -Xmx512m -cp "$BENCH_JAR" dev.nexus.bench.load.LoadClient \
    --proxy "127.0.0.1:$PROXY" --url "http://127.0.0.1:$1$2" --expect-bytes "$3" --connections "$4" \
    --warmup "$5" --duration "$6" --cpu-pid "$NEXUS_PID" --clk-tck "$(getconf CLK_TCK)" 2>>"$WORK/load.log" | tail -1
}

echo "JIT warm-up, both routes (not measured)" >&2
for port in $ORIGIN_OFF $ORIGIN_FULL; do
  load $port /bytes/8388608 8388608 4 0 10 >/dev/null
  load $port /1k 1024 32 0 5 >/dev/null
done
RESULTS="$WORK/results.jsonl"
: >"$RESULTS"
for run in $(seq 1 "$RUNS"); do
  for size in 8388608 1024; do
    for mode in off full; do
      port=$ORIGIN_OFF; [[ $mode == full ]] && port=$ORIGIN_FULL
      path=/bytes/8388608 connections=4; [[ $size == 1024 ]] && path=/1k connections=32
      out="$(load $port $path $size $connections 2 "$DURATION")"
      echo "{\"run\":$run,\"size\":$size,\"redact\":\"$mode\",\"loadavg\":\"$(cut -d' ' -f1 /proc/loadavg)\",${out#\{}" >>"$RESULTS"
      jq -r '"run \(.run) \(.size) B redact \(.redact): \(.rps) req/s, \(.mb_per_s) MB/s, cpu/req \(.proxy_cpu_us_per_req) us, errors \(.errors), load \(.loadavg)"' \
        <<<"$(tail -1 "$RESULTS")" >&2
    done
  done
done
jq -s -r 'def median: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  group_by(.size)[] | . as $g
  | ([$g[] | select(.redact == "off")]) as $off | ([$g[] | select(.redact == "full")]) as $full
  | "\($g[0].size) B: median req/s off \([$off[].rps] | median), full \([$full[].rps] | median) (\(([$full[].rps] | median) / ([$off[].rps] | median) * 100 | round / 100)x); "
    + "median CPU us/req off \([$off[].proxy_cpu_us_per_req] | median), full \([$full[].proxy_cpu_us_per_req] | median) "
    + "(+\((([$full[].proxy_cpu_us_per_req] | median) / ([$off[].proxy_cpu_us_per_req] | median) - 1) * 100 | round) %)"' "$RESULTS"
echo "raw results: $RESULTS" >&2
