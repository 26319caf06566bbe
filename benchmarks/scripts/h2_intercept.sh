#!/usr/bin/env bash
# Issue 15, end to end: HTTP/2 through TLS interception with header injection, against direct HTTP/2 to the
# same origin, side by side in one run. h2load (nghttp2-client) opens 32 connections with 8 streams each and
# fetches 1 KiB responses from BenchOrigin's h2 listener (TLS, ALPN h2). Runs alternate direct / intercepted.
#
# h2load cannot speak through an HTTP proxy (no CONNECT), so it reaches the proxy's transparent TLS listener
# (--connect-to): the proxy routes by SNI as it routes a CONNECT, intercepts with a leaf of its CA, serves the
# agent's h2 stage, injects X-Bench-Key into every stream and sends each as a stream of its pooled, multiplexed
# h2 connection to the origin. Everything after the first bytes is the path a CONNECT-ed agent takes.
#
# Proxy on core 0, origin and h2load on core 1 (as run.sh). Reports, per run, requests/s and the proxy's CPU
# per request (utime+stime from /proc/PID/stat before and after), then the medians, the throughput ratio
# intercepted/direct and the issue's targets (at least 0.8x direct, at most 60 CPU us per request). For scale,
# each run also gives the origin's CPU per request and the same interception in HTTP/1.1 (h2load --h1, 32
# connections, one request at a time each), measured alongside.
#
#   benchmarks/scripts/h2_intercept.sh [--runs N] [--duration S] [--warmup S] [--no-build] [--no-install]
#
# PROXY_JAVA_OPTS adds JVM options to the proxy only, e.g. to profile it:
#   PROXY_JAVA_OPTS='-XX:StartFlightRecording=filename=/tmp/h2.jfr,settings=profile' ... --runs 1
#
# Ports 18444 (origin), 13443 (proxy, transparent TLS), 13140 (proxy), 19100 (admin). Stops everything it
# started on exit.
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
RUNS=2 DURATION=8 WARMUP=30 BUILD=1 INSTALL=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) RUNS="$2"; shift ;;
    --duration) DURATION="$2"; shift ;;
    --warmup) WARMUP="$2"; shift ;;
    --no-build) BUILD=0 ;;
    --no-install) INSTALL=0 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
ORIGIN=18444 TRANSPARENT=13443 PROXY=13140 ADMIN=19100 CONNECTIONS=32 STREAMS=8
BENCH_JAR="${BENCH_JAR:-$ROOT/benchmarks/target/benchmarks.jar}" NEXUS_JAR="${NEXUS_JAR:-$ROOT/proxy-server/target/nexus-proxy.jar}"
WORK="$(mktemp -d /tmp/nexus-h2bench.XXXXXX)"
CLK_TCK="$(getconf CLK_TCK)"
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

if ((INSTALL)); then
  missing=()
  command -v h2load >/dev/null || missing+=(nghttp2-client)
  command -v jq >/dev/null || missing+=(jq)
  if ((${#missing[@]})); then
    echo "installing ${missing[*]}" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
  fi
fi
if ((BUILD)); then (cd "$ROOT" && ./mvnw -B -o -q -pl proxy-server,benchmarks -am package -DskipTests); fi

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$WORK/origin-key.pem" -out "$WORK/origin.pem" 2>/dev/null
cat >"$WORK/credentials.yaml" <<'YAML'
bench:
  strategy: {type: header, config: {header_name: X-Bench-Key, credential_field: api_key}}
  credentials: {api_key: bench-secret}
YAML
chmod 600 "$WORK/credentials.yaml"
cat >"$WORK/policy.yaml" <<YAML
version: 1
defaults: {action: deny}
routes:
  - {name: bench-h2, match: {hosts: [localhost], ports: [$ORIGIN], schemes: [https]}, action: inject, connection: bench, allow_private_cidrs: [127.0.0.0/8]}
YAML
cat >"$WORK/config.yaml" <<YAML
listen: {address: 127.0.0.1, port: $PROXY}
admin: {address: 127.0.0.1, port: $ADMIN}
transport: {event_loop_threads: 1}
access_log: {enabled: false}
timeouts: {shutdown_drain: 0s}
upstream: {max_connections_per_host: 1024}
transparent: {tls: {enabled: true, addresses: [127.0.0.1], port: $TRANSPARENT, original_port: $ORIGIN}}
policy: {path: $WORK/policy.yaml}
authority: {type: file, file: {path: $WORK/credentials.yaml}}
tls: {ca_dir: $WORK/ca, upstream_ca_bundle: $WORK/origin.pem}
YAML

taskset -c 1 java -XX:+UseSerialGC -Xmx256m -cp "$BENCH_JAR" dev.nexus.bench.load.BenchOrigin \
  --h2 $ORIGIN --cert "$WORK/origin.pem" --key "$WORK/origin-key.pem" >"$WORK/origin.log" 2>&1 &
ORIGIN_PID=$!
PIDS+=($ORIGIN_PID)
# From inside WORK: the proxy writes its admin token file into its working directory.
(cd "$WORK" && exec taskset -c 0 java -XX:+UseSerialGC -Xms256m -Xmx256m ${PROXY_JAVA_OPTS:-} -jar "$NEXUS_JAR" --config "$WORK/config.yaml" \
  >"$WORK/proxy.log" 2>&1) &
NEXUS_PID=$!
PIDS+=($NEXUS_PID)
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$ADMIN/readyz" >/dev/null && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$ADMIN/readyz" >/dev/null || { tail -20 "$WORK/proxy.log" >&2; exit 1; }

URL="https://localhost:$ORIGIN"
for _ in $(seq 1 60); do curl -skf --http2 -o /dev/null "$URL/1k" && break; sleep 0.5; done
# The origin answers /header/NAME with the header's value; the route's response redaction (on by default, and
# measured here as it runs in production) masks the echo byte for byte: proof of the injection, over h2 both ways.
echoed="$(curl -sk --http2 --max-time 30 --connect-to "localhost:$ORIGIN:127.0.0.1:$TRANSPARENT" \
  -w ' %{http_version}' "$URL/header/X-Bench-Key")"
[[ "$echoed" == "************ 2" ]] || { echo "intercepted h2: expected '************ 2', got '$echoed'" >&2; exit 1; }

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
load() { # MODE SECONDS: one h2load run; prints one JSON line
  local mode="$1" seconds="$2" args=(-c $CONNECTIONS -m $STREAMS) proxy_before origin_before
  case "$mode" in
    intercepted) args+=(--connect-to "127.0.0.1:$TRANSPARENT") ;;
    # Reference: the same interception in HTTP/1.1 (h2load --h1, one request at a time per connection).
    intercepted-h1) args=(-c $CONNECTIONS -m 1 --h1 --connect-to "127.0.0.1:$TRANSPARENT") ;;
  esac
  proxy_before="$(ticks "$NEXUS_PID")" origin_before="$(ticks "$ORIGIN_PID")"
  taskset -c 1 h2load "${args[@]}" -t 1 -D "$seconds" "$URL/1k" >"$WORK/h2load.out" 2>&1 || true
  cat "$WORK/h2load.out" >>"$WORK/h2load.log"
  awk -v mode="$mode" -v proxy="$(($(ticks "$NEXUS_PID") - proxy_before))" \
      -v origin="$(($(ticks "$ORIGIN_PID") - origin_before))" -v hz="$CLK_TCK" -v loadavg="$(cut -d' ' -f1 /proc/loadavg)" '
    /^finished in/ { gsub(",", "", $4); rps = $4 }
    /^requests:/ { done = $8; failed = $10 + $12 + $14 }
    END { us = (done > 0 ? 1e6 / hz / done : 0)
          printf "{\"mode\":\"%s\",\"rps\":%s,\"succeeded\":%d,\"failed\":%d,\"proxy_cpu_us_per_req\":%.1f,\"origin_cpu_us_per_req\":%.1f,\"loadavg\":\"%s\"}\n",
            mode, (rps == "" ? 0 : rps), done, failed, proxy * us, origin * us, loadavg }' "$WORK/h2load.out"
}

# The JIT needs tens of seconds of interception load before the CPU per request settles (see RESULTS.md).
echo "JIT warm-up, ${WARMUP}s (not measured)" >&2
load intercepted "$WARMUP" >/dev/null
load direct 3 >/dev/null
load intercepted-h1 5 >/dev/null
RESULTS="$WORK/results.jsonl"
: >"$RESULTS"
for run in $(seq 1 "$RUNS"); do
  for mode in direct intercepted intercepted-h1; do
    load "$mode" "$DURATION" | jq -c --argjson run "$run" '. + {run: $run}' >>"$RESULTS"
    jq -r '"run \(.run) \(.mode): \(.rps) req/s, \(.succeeded) ok, \(.failed) failed, proxy cpu/req \(.proxy_cpu_us_per_req) us, origin cpu/req \(.origin_cpu_us_per_req) us, load \(.loadavg)"' \
      <<<"$(tail -1 "$RESULTS")" >&2
  done
done
jq -s -r --arg shape "$CONNECTIONS connections x $STREAMS streams" 'def median: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  def of($mode; $field): [.[] | select(.mode == $mode) | .[$field]] | median | . * 10 | round / 10;
  of("direct"; "rps") as $direct | of("intercepted"; "rps") as $proxied
  | "h2, 1 KiB, \($shape): median req/s direct \($direct), intercepted \($proxied) "
    + "(\($proxied / $direct * 100 | round / 100)x, target >= 0.8x); proxy CPU \(of("intercepted"; "proxy_cpu_us_per_req")) us/request "
    + "(target <= 60). References: the origin alone \(of("direct"; "origin_cpu_us_per_req")) us/request (direct h2); "
    + "HTTP/1.1 interception \(of("intercepted-h1"; "proxy_cpu_us_per_req")) us/request at \(of("intercepted-h1"; "rps")) req/s"' "$RESULTS"
echo "raw results: $RESULTS (h2load output: $WORK/h2load.log)" >&2
