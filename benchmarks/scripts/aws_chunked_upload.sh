#!/usr/bin/env bash
# Issue 19: a 1 GiB aws-chunked upload (STREAMING-AWS4-HMAC-SHA256-PAYLOAD, 64 KiB chunks) through
# nexus-proxy (placeholder key; the proxy checks every chunk signature against it and re-signs with the real
# key) against the same upload signed directly with the real key, to the same loopback sink
# (AwsChunkedSink, which checks the framing). RUNS pairs, alternating direct/proxy, after one unmeasured
# warm-up upload of each (WARMUP bytes, 1 GiB by default: with 256 MiB the proxy's C2 compiler was still
# busy on the proxy's one core during the measured runs, half of the proxy's CPU samples in perf). Reports the median throughput of each and their ratio, and for the proxy runs
# peak RSS (VmHWM, reset before each run) and peak heap used (jstat every 250 ms).
#
#   benchmarks/scripts/aws_chunked_upload.sh [--runs N] [--bytes N] [--warmup-bytes N] [--no-build]
#
# PROXY_JAVA_OPTS adds JVM options to the proxy only, e.g. to profile it:
#   PROXY_JAVA_OPTS='-XX:StartFlightRecording=filename=/tmp/up.jfr,settings=profile' ... --runs 1
# Ports 18100 (sink), 13138 (proxy), 19098 (admin). Stops everything it started on exit.
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
RUNS=3 BYTES=$((1024 * 1024 * 1024)) WARMUP=$((1024 * 1024 * 1024)) BUILD=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) RUNS="$2"; shift ;;
    --bytes) BYTES="$2"; shift ;;
    --warmup-bytes) WARMUP="$2"; shift ;;
    --no-build) BUILD=0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
SINK=18100 PROXY=13138 ADMIN=19098
BENCH_JAR="$ROOT/benchmarks/target/benchmarks.jar" NEXUS_JAR="$ROOT/proxy-server/target/nexus-proxy.jar"
WORK="$(mktemp -d /tmp/nexus-s3bench.XXXXXX)"
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

if ((BUILD)); then (cd "$ROOT" && ./mvnw -B -o -q -pl proxy-server,benchmarks -am package -DskipTests); fi

cat >"$WORK/credentials.yaml" <<YAML
s3bench:
  strategy: {type: aws_sigv4, config: {service: s3, region: us-east-1, agent_secret_key: bench-placeholder-secret}}
  credentials: {access_key: AKIDBENCHREAL, secret_key: bench-real-secret}
YAML
chmod 600 "$WORK/credentials.yaml"
cat >"$WORK/policy.yaml" <<YAML
version: 1
defaults: {action: deny}
routes:
  - {name: s3bench, match: {hosts: [127.0.0.1], ports: [$SINK], schemes: [http]}, action: inject, connection: s3bench}
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

cd "$WORK" # the proxy writes its admin token to its working directory: not into the checkout
taskset -c 1 java -XX:+UseSerialGC -Xmx256m -cp "$BENCH_JAR" dev.nexus.bench.upload.AwsChunkedSink --port $SINK >"$WORK/sink.log" 2>&1 &
PIDS+=($!)
# shellcheck disable=SC2086 # PROXY_JAVA_OPTS is a list of options
taskset -c 0 java -XX:+UseSerialGC -Xms256m -Xmx256m ${PROXY_JAVA_OPTS:-} -jar "$NEXUS_JAR" --config "$WORK/config.yaml" >"$WORK/proxy.log" 2>&1 &
NEXUS_PID=$!
PIDS+=($NEXUS_PID)
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$ADMIN/readyz" >/dev/null && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$ADMIN/readyz" >/dev/null || { tail -20 "$WORK/proxy.log" >&2; exit 1; }

client() { # BYTES direct|proxy
  local key=AKIDBENCHREAL secret=bench-real-secret proxy=()
  if [[ $2 == proxy ]]; then key=placeholder secret=bench-placeholder-secret proxy=(--proxy "127.0.0.1:$PROXY"); fi
  taskset -c 1 java -XX:+UseSerialGC -Xmx256m -cp "$BENCH_JAR" dev.nexus.bench.upload.AwsChunkedUploadClient \
    --target "127.0.0.1:$SINK" "${proxy[@]}" --bytes "$1" --access-key "$key" --secret-key "$secret"
}
cpu_ticks() { awk '{print $14 + $15}' "$1"; } # utime + stime of /proc/.../stat, in clock ticks
loop_stat() { grep -l '^nexus-io-' /proc/"$NEXUS_PID"/task/*/comm | head -1 | sed 's/comm$/stat/'; } # the one event loop
heap_used_kib() { jstat -gc "$NEXUS_PID" | awk 'NR==2 {printf "%d", $3 + $4 + $6 + $8}'; } # S0U S1U EU OU

echo "warm-up (not measured)" >&2
client "$WARMUP" direct >/dev/null
client "$WARMUP" proxy >/dev/null
RESULTS="$WORK/results.txt"
: >"$RESULTS"
for run in $(seq 1 "$RUNS"); do
  direct=$(client "$BYTES" direct)
  echo 5 >"/proc/$NEXUS_PID/clear_refs"
  heap_before=$(heap_used_kib)
  loop=$(loop_stat)
  cpu_before=$(cpu_ticks "/proc/$NEXUS_PID/stat") loop_before=$(cpu_ticks "$loop")
  (peak=0; while kill -0 "$NEXUS_PID" 2>/dev/null; do h=$(heap_used_kib); ((h > peak)) && peak=$h; echo "$peak" >"$WORK/heap_peak"; sleep 0.25; done) &
  SAMPLER=$!
  proxied=$(client "$BYTES" proxy)
  kill "$SAMPLER" 2>/dev/null || true; wait "$SAMPLER" 2>/dev/null || true
  hwm=$(awk '/VmHWM/ {print $2}' "/proc/$NEXUS_PID/status")
  cpu=$(($(cpu_ticks "/proc/$NEXUS_PID/stat") - cpu_before)) loop_cpu=$(($(cpu_ticks "$loop") - loop_before))
  echo "run $run direct $direct proxy $proxied cpu_ticks $cpu loop_ticks $loop_cpu hwm_kib $hwm heap_before_kib $heap_before heap_peak_kib $(cat "$WORK/heap_peak") load $(cut -d' ' -f1 /proc/loadavg)" | tee -a "$RESULTS" >&2
done
python3 - "$RESULTS" "$(getconf CLK_TCK)" <<'PY'
import json, re, statistics, sys
ticks = int(sys.argv[2])
rows = []
for line in open(sys.argv[1]):
    d, p = re.findall(r"\{[^}]*\}", line)
    kv = dict(re.findall(r"(cpu_ticks|loop_ticks|hwm_kib|heap_before_kib|heap_peak_kib|load) (\S+)", line))
    rows.append((json.loads(d)["mb_per_s"], json.loads(p)["mb_per_s"], int(kv["hwm_kib"]), int(kv["heap_before_kib"]),
                 int(kv["heap_peak_kib"]), kv["load"], int(kv["cpu_ticks"]) / ticks, int(kv["loop_ticks"]) / ticks,
                 json.loads(p)["bytes"] / 1e6))
med = lambda i: statistics.median(r[i] for r in rows)
# proxy CPU s: the whole proxy process during its upload; loop CPU s: its event loop thread alone. MB per
# loop CPU second is what the event loop would carry with a core to itself (load-independent, unlike MB/s).
print("| run | direct MB/s | proxy MB/s | ratio | proxy CPU s | loop CPU s | MB per loop CPU s | proxy peak RSS MiB | proxy heap used before / peak MiB | load avg |")
print("|---|---|---|---|---|---|---|---|---|---|")
for n, r in enumerate(rows, 1):
    print(f"| {n} | {r[0]:.1f} | {r[1]:.1f} | {r[1] / r[0]:.2f} | {r[6]:.2f} | {r[7]:.2f} | {r[8] / r[7]:.0f} | {r[2] / 1024:.0f} | {r[3] / 1024:.0f} / {r[4] / 1024:.0f} | {r[5]} |")
print(f"| median | {med(0):.1f} | {med(1):.1f} | {med(1) / med(0):.2f} | {med(6):.2f} | {med(7):.2f} | {statistics.median(r[8] / r[7] for r in rows):.0f} | {med(2) / 1024:.0f} | {med(3) / 1024:.0f} / {med(4) / 1024:.0f} | |")
PY
echo "work directory: $WORK" >&2
