#!/usr/bin/env bash
# End-to-end benchmarks: nexus-proxy against direct connections and peer proxies (squid, tinyproxy,
# mitmproxy), side by side in one run, plus the sidecar footprint. See benchmarks/README.md.
#
#   benchmarks/run.sh [--quick] [--https] [--jfr] [--no-install] [--no-build]
#                     [--report FILE] [--update-results] [--max-load N] [--max-wait S] [--nice N]
#
# Everything listens on 127.0.0.1 with fixed ports; pid files, configs, logs and results live in one
# temporary directory (kept at the end, its path is printed). Every process this script starts is
# stopped on exit, also on failure or Ctrl-C. Every benchmark process (proxies, origin, load client) runs
# at nice N (default -10), the same for all, so other work on a shared machine disturbs them less.
# Needs root for apt-get, for clear_refs (peak RSS windows), for negative nice and for squid's own user.
set -euo pipefail

ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
SCRIPTS="$ROOT/benchmarks/scripts"
BENCH_JAR="$ROOT/benchmarks/target/benchmarks.jar"
NEXUS_JAR="$ROOT/proxy-server/target/nexus-proxy.jar"

MODE=full HTTPS=0 JFR=0 INSTALL=1 BUILD=1 UPDATE_RESULTS=0 REPORT="" MAX_LOAD="" MAX_WAIT=600 NICE=-10
COMMAND_LINE="benchmarks/run.sh $*"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) MODE=quick ;;
    --https) HTTPS=1 ;;
    --jfr) JFR=1 ;;
    --no-install) INSTALL=0 ;;
    --no-build) BUILD=0 ;;
    --update-results) UPDATE_RESULTS=1 ;;
    --report) REPORT="$2"; shift ;;
    --max-load) MAX_LOAD="$2"; shift ;;
    --max-wait) MAX_WAIT="$2"; shift ;;
    --nice) NICE="$2"; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

if [[ $MODE == quick ]]; then
  # Under 5 minutes: shorter windows, and the largest footprint and the middle policy size only in full runs.
  WARMUP=2 DURATION=3 PREWARM=15 CONNECTION_LEVELS="32 256" POLICY_SIZES="10 100000" HOLD_LEVELS="1000"
else
  WARMUP=5 DURATION=12 PREWARM=20 CONNECTION_LEVELS="32 64 256" POLICY_SIZES="10 10000 100000" HOLD_LEVELS="1000 10000"
fi

# Fixed loopback ports.
ORIGIN_HTTP=18080      # inject target (1 KiB, /bytes/N, /header/NAME)
ORIGIN_TUNNEL=18081    # allow (tunnel) target, same origin process
ORIGIN_HTTPS=18443     # HTTPS origin (certificate for IP 127.0.0.1)
AUTHORITY=18090
NEXUS=13128 NEXUS_ADMIN=19090
SQUID=13129 SQUID_BUMP=13134 TINYPROXY=13130 MITM=13131
INJECT_HEADER=X-Bench-Key INJECT_VALUE=bench-secret
PROXY_CORE=0 LOAD_CORE=1   # proxy under test on core 0; load generator and origin on core 1

WORK="$(mktemp -d /tmp/nexus-bench.XXXXXX)"
chmod 755 "$WORK" # squid drops to the proxy user and must reach its files in here
mkdir -p "$WORK/pids" "$WORK/logs"
RESULTS="$WORK/results.jsonl"
: >"$RESULTS"
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
CLK_TCK="$(getconf CLK_TCK)"

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# --- processes: start pinned, remember the pid, stop on exit --------------------------------------
start() { # NAME CORE COMMAND...: in the background, pinned, at the benchmark's nice level
  local name="$1" core="$2"; shift 2
  # nice and taskset exec the command, so $! is the command's own pid (needed for /proc sampling).
  nice -n "$NICE" taskset -c "$core" "$@" >"$WORK/logs/$name.log" 2>&1 &
  echo $! >"$WORK/pids/$name.pid"
}
pinned() { # CORE COMMAND...: in the foreground, pinned, at the benchmark's nice level
  local core="$1"; shift
  nice -n "$NICE" taskset -c "$core" "$@"
}
pid_of() { cat "$WORK/pids/$1.pid"; }
stop() { # NAME: SIGTERM, then SIGKILL after 10 s
  local file="$WORK/pids/$1.pid" pid
  [[ -f $file ]] || return 0
  pid="$(cat "$file")"; rm -f "$file"
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  local status=$?
  for file in "$WORK"/pids/*.pid; do [[ -e $file ]] && stop "$(basename "$file" .pid)"; done
  log "work directory (configs, logs, raw results): $WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for() { # DESCRIPTION SECONDS COMMAND...: poll until COMMAND succeeds
  local what="$1" seconds="$2"; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then log "timed out waiting for $what"; return 1; fi
    sleep 0.1
  done
}
ready_url() { [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1")" == 200 ]]; }
injects_via() { # PROXY_PORT: the origin sees the injected header through this proxy
  [[ "$(curl -s --max-time 5 -x "http://127.0.0.1:$1" "http://127.0.0.1:$ORIGIN_HTTP/header/$INJECT_HEADER")" == "$INJECT_VALUE" ]]
}

# --- install and build -----------------------------------------------------------------------------
install_packages() {
  local missing=()
  command -v squid >/dev/null && squid -v | grep -q -- '--with-openssl' || missing+=(squid-openssl)
  command -v tinyproxy >/dev/null || missing+=(tinyproxy)
  command -v mitmdump >/dev/null || missing+=(mitmproxy)
  command -v taskset >/dev/null || missing+=(util-linux)
  command -v jq >/dev/null || missing+=(jq)
  ((${#missing[@]})) || return 0
  log "installing from Debian packages: ${missing[*]}"
  apt-get update -qq >/dev/null
  local package
  for package in "${missing[@]}"; do
    if [[ "$(apt-cache policy "$package" | awk '/Candidate:/ {print $2}')" =~ ^(|\(none\))$ ]]; then
      log "package $package is not installable here: that contender is skipped"
      continue
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$package" >"$WORK/logs/apt-$package.log" 2>&1 \
      || log "installing $package failed (see $WORK/logs/apt-$package.log): that contender is skipped"
  done
}
((INSTALL)) && install_packages
HAVE_SQUID=0 HAVE_TINYPROXY=0 HAVE_MITM=0
command -v squid >/dev/null && squid -v | grep -q -- '--with-openssl' && HAVE_SQUID=1
command -v tinyproxy >/dev/null && HAVE_TINYPROXY=1
command -v mitmdump >/dev/null && HAVE_MITM=1

if ((BUILD)) || [[ ! -f $BENCH_JAR || ! -f $NEXUS_JAR ]]; then
  log "building nexus-proxy.jar and benchmarks.jar (mvn package, no tests)"
  (cd "$ROOT" && ./mvnw -B -q -o -pl proxy-server,benchmarks -am package -DskipTests) >"$WORK/logs/build.log" 2>&1 \
    || { log "build failed, see $WORK/logs/build.log"; exit 1; }
fi

# --- a quiet moment --------------------------------------------------------------------------------
if [[ -n $MAX_LOAD ]]; then
  deadline=$((SECONDS + MAX_WAIT))
  while awk -v max="$MAX_LOAD" '{exit !($1 > max)}' /proc/loadavg && ((SECONDS < deadline)); do
    log "load average $(loadavg) above $MAX_LOAD, waiting (up to ${MAX_WAIT}s in all)"; sleep 15
  done
fi

# --- shared material: origin certificate, policies, credentials ------------------------------------
# squid checks only DNS-type names against an IP-literal host, hence DNS:127.0.0.1 next to the IP SAN.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:127.0.0.1,DNS:localhost" \
  -keyout "$WORK/origin-key.pem" -out "$WORK/origin.pem" 2>/dev/null

JAVA_LOAD=(java -XX:+UseSerialGC -Xmx512m -cp "$BENCH_JAR")
NEXUS_JVM=(-XX:+UseSerialGC -Xms256m -Xmx256m)
SIDECAR_JVM=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss256k -Xmx64m -XX:MaxDirectMemorySize=64m -Xshare:auto)

write_policy() { # FILE TOTAL_ROUTES [CONNECTION [TUNNEL_ROUTE_CONNECTION]]: benchmark routes plus filler routes
  python3 "$SCRIPTS/gen_policy.py" "$1" "$2" "${3:-bench}" "$ORIGIN_HTTP" "$ORIGIN_TUNNEL" "$ORIGIN_HTTPS" ${4:+"$4"}
}
prewarm() { # PROXY_PORT SECONDS [URL [CONNECTIONS [LOADCLIENT_ARGS...]]]: JIT warm-up load, not recorded
  local port="$1" seconds="$2" url="${3:-http://127.0.0.1:$ORIGIN_HTTP/1k}" connections="${4:-32}"
  shift $(($# < 4 ? $# : 4))
  pinned "$LOAD_CORE" "${JAVA_LOAD[@]}" dev.nexus.bench.load.LoadClient --proxy "127.0.0.1:$port" \
    --url "$url" --connections "$connections" --warmup 0 --duration "$seconds" "$@" >/dev/null 2>&1 || true
}
write_nexus_config() { # DIR PORT ADMIN_PORT POLICY AUTHORITY_YAML
  cat >"$1/config.yaml" <<EOF
listen: {address: 127.0.0.1, port: $2}
admin: {address: 127.0.0.1, port: $3}
transport: {event_loop_threads: 1}
access_log: {enabled: false}
timeouts: {shutdown_drain: 0s}
upstream: {max_connections_per_host: 1024}
policy: {path: $4}
authority: $5
tls: {ca_dir: $1/ca, upstream_ca_bundle: $WORK/origin.pem}
EOF
}
mkdir -p "$WORK/nexus"
cat >"$WORK/nexus/credentials.yaml" <<EOF
bench:
  strategy: {type: header, config: {header_name: $INJECT_HEADER, credential_field: api_key}}
  credentials: {api_key: $INJECT_VALUE}
EOF
chmod 600 "$WORK/nexus/credentials.yaml"
FILE_AUTHORITY="{type: file, file: {path: $WORK/nexus/credentials.yaml}}"
write_policy "$WORK/nexus/policy.yaml" 3
write_nexus_config "$WORK/nexus" "$NEXUS" "$NEXUS_ADMIN" "$WORK/nexus/policy.yaml" "$FILE_AUTHORITY"

start_nexus() { # NAME DIR ADMIN_PORT JVM_FLAGS...: starts and waits for /readyz; prints ms from exec to ready
  local name="$1" dir="$2" admin="$3"; shift 3
  local begin; begin=$(date +%s%N)
  start "$name" "$PROXY_CORE" java "$@" -jar "$NEXUS_JAR" --config "$dir/config.yaml"
  wait_for "$name /readyz" 120 ready_url "http://127.0.0.1:$admin/readyz" || { tail -20 "$WORK/logs/$name.log" >&2; return 1; }
  echo $(( ($(date +%s%N) - begin) / 1000000 ))
}

# --- contenders --------------------------------------------------------------------------------------
log "starting origin (core $LOAD_CORE)"
start origin "$LOAD_CORE" java -XX:+UseSerialGC -Xmx256m -cp "$BENCH_JAR" dev.nexus.bench.load.BenchOrigin \
  --http "$ORIGIN_HTTP" --http "$ORIGIN_TUNNEL" --https "$ORIGIN_HTTPS" --cert "$WORK/origin.pem" --key "$WORK/origin-key.pem"
wait_for origin 60 ready_url "http://127.0.0.1:$ORIGIN_HTTP/1k"

log "starting nexus-proxy (core $PROXY_CORE)"
NEXUS_EXTRA=()
((JFR)) && NEXUS_EXTRA+=("-XX:StartFlightRecording=filename=$WORK/nexus.jfr,settings=default,dumponexit=true")
start_nexus nexus "$WORK/nexus" "$NEXUS_ADMIN" "${NEXUS_JVM[@]}" "${NEXUS_EXTRA[@]}" >/dev/null
injects_via "$NEXUS" || { log "nexus-proxy does not inject the header: check $WORK/logs/nexus.log"; exit 1; }
log "JIT warm-up of nexus-proxy (${PREWARM}s of load, not measured)"
prewarm "$NEXUS" "$PREWARM"
CONTENDERS=(nexus)
declare -A PORT_OF=([nexus]=$NEXUS)

if ((HAVE_SQUID)); then
  log "starting squid (core $PROXY_CORE)"
  mkdir -p "$WORK/squid"
  bump_lines=""
  if ((HTTPS)); then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=squid bench CA" \
      -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -keyout "$WORK/squid/ca-key.pem" -out "$WORK/squid/ca.pem" 2>/dev/null
    /usr/lib/squid/security_file_certgen -c -s "$WORK/squid/ssl_db" -M 4MB >/dev/null
    bump_lines="http_port 127.0.0.1:$SQUID_BUMP ssl-bump tls-cert=$WORK/squid/ca.pem tls-key=$WORK/squid/ca-key.pem generate-host-certificates=on dynamic_cert_mem_cache_size=16MB
sslcrtd_program /usr/lib/squid/security_file_certgen -s $WORK/squid/ssl_db -M 4MB
sslcrtd_children 4 startup=1 idle=1
acl step1 at_step SslBump1
acl step2 at_step SslBump2
ssl_bump peek step1
ssl_bump stare step2
ssl_bump bump all
tls_outgoing_options cafile=$WORK/origin.pem"
  fi
  cat >"$WORK/squid/squid.conf" <<EOF
http_port 127.0.0.1:$SQUID
$bump_lines
pid_filename $WORK/squid/squid.pid
cache_effective_user proxy
cache deny all
cache_mem 8 MB
access_log none
cache_store_log none
cache_log $WORK/squid/cache.log
coredump_dir $WORK/squid
pinger_enable off
max_filedescriptors 20000
shutdown_lifetime 0 seconds
http_access allow all
request_header_add $INJECT_HEADER "$INJECT_VALUE" all
EOF
  chown -R proxy:proxy "$WORK/squid"
  start squid "$PROXY_CORE" squid -N -f "$WORK/squid/squid.conf"
  if wait_for squid 30 injects_via "$SQUID"; then CONTENDERS+=(squid); PORT_OF[squid]=$SQUID
  else log "squid did not come up (see $WORK/logs/squid.log): skipped"; stop squid; HAVE_SQUID=0; fi
fi

if ((HAVE_TINYPROXY)); then
  log "starting tinyproxy (core $PROXY_CORE)"
  mkdir -p "$WORK/tinyproxy"
  cat >"$WORK/tinyproxy/tinyproxy.conf" <<EOF
Port $TINYPROXY
Listen 127.0.0.1
Timeout 600
MaxClients 1024
Allow 127.0.0.1
LogLevel Critical
DisableViaHeader Yes
AddHeader "$INJECT_HEADER" "$INJECT_VALUE"
EOF
  start tinyproxy "$PROXY_CORE" tinyproxy -d -c "$WORK/tinyproxy/tinyproxy.conf"
  if wait_for tinyproxy 30 injects_via "$TINYPROXY"; then CONTENDERS+=(tinyproxy); PORT_OF[tinyproxy]=$TINYPROXY
  else log "tinyproxy did not come up (see $WORK/logs/tinyproxy.log): skipped"; stop tinyproxy; HAVE_TINYPROXY=0; fi
fi

if ((HAVE_MITM)); then
  log "starting mitmproxy (core $PROXY_CORE)"
  mkdir -p "$WORK/mitm"
  export BENCH_INJECT_VALUE="$INJECT_VALUE"
  start mitm "$PROXY_CORE" mitmdump -q --listen-host 127.0.0.1 --listen-port "$MITM" \
    --set confdir="$WORK/mitm" --set ssl_verify_upstream_trusted_ca="$WORK/origin.pem" \
    --set stream_large_bodies=1m --ignore-hosts "^127\\.0\\.0\\.1:$ORIGIN_TUNNEL\$" -s "$SCRIPTS/mitm_inject.py"
  if wait_for mitmproxy 60 injects_via "$MITM"; then CONTENDERS+=(mitmproxy); PORT_OF[mitmproxy]=$MITM
  else log "mitmproxy did not come up (see $WORK/logs/mitm.log): skipped"; stop mitm; HAVE_MITM=0; fi
fi
declare -A PID_NAME=([nexus]=nexus [squid]=squid [tinyproxy]=tinyproxy [mitmproxy]=mitm)

# --- measurement -------------------------------------------------------------------------------------
record() { # SCENARIO CONTENDER PARAM JSON
  printf '{"scenario":"%s","contender":"%s","param":"%s","loadavg":"%s",%s\n' "$1" "$2" "$3" "$(loadavg)" "${4#\{}" >>"$RESULTS"
}
alive() { [[ -f $WORK/pids/$1.pid ]] && kill -0 "$(pid_of "$1")" 2>/dev/null; }
measure() { # SCENARIO CONTENDER PARAM PID_NAME|- LOADCLIENT_ARGS...
  local scenario="$1" contender="$2" param="$3" pidname="$4"; shift 4
  local cpu=()
  if [[ $pidname != - ]] && ! alive "$pidname"; then
    # Something outside this script stopped it (seen on a shared machine): say so instead of measuring nothing.
    log "$pidname is no longer running (see $WORK/logs/$pidname.log): $scenario $contender $param not measured"
    record "$scenario" "$contender" "$param" '{"unavailable":"process exited during the run (see its log)"}'
    if [[ $pidname == nexus ]]; then
      log "restarting nexus-proxy"
      start_nexus nexus "$WORK/nexus" "$NEXUS_ADMIN" "${NEXUS_JVM[@]}" "${NEXUS_EXTRA[@]}" >/dev/null && prewarm "$NEXUS" "$PREWARM"
    fi
    return 0
  fi
  [[ $pidname != - ]] && cpu=(--cpu-pid "$(pid_of "$pidname")" --clk-tck "$CLK_TCK")
  local out
  out="$(pinned "$LOAD_CORE" timeout $((WARMUP + DURATION + 60)) "${JAVA_LOAD[@]}" dev.nexus.bench.load.LoadClient --warmup "$WARMUP" \
    --duration "$DURATION" "${cpu[@]}" "$@" 2>>"$WORK/logs/loadclient.log" | tail -1)"
  if [[ $out != \{* ]]; then out='{"errors":-1,"first_error":"load client failed, see logs/loadclient.log"}'; fi
  record "$scenario" "$contender" "$param" "$out"
  log "$scenario $contender $param: $(jq -r '"\(.rps // 0) req/s, \(.mb_per_s // 0) MB/s, p99 \(.p99_us // 0) us, errors \(.errors), cpu/req \(.proxy_cpu_us_per_req // "-") us"' <<<"$out")"
}
each_contender() { # SCENARIO PARAM VIA(proxy|connect) LOADCLIENT_ARGS...: direct, then every contender
  local scenario="$1" param="$2" via="$3"; shift 3
  measure "$scenario" direct "$param" - "$@"
  local contender
  for contender in "${CONTENDERS[@]}"; do
    local args=(--proxy "127.0.0.1:${PORT_OF[$contender]}")
    [[ $via == connect ]] && args+=(--tunnel)
    measure "$scenario" "$contender" "$param" "${PID_NAME[$contender]}" "${args[@]}" "$@"
  done
}

log "scenario 1: plain HTTP, 1 KiB, keep-alive, header injection"
for connections in $CONNECTION_LEVELS; do
  each_contender plain-keepalive "$connections" proxy --url "http://127.0.0.1:$ORIGIN_HTTP/1k" \
    --connections "$connections" --expect-bytes 1024 --header "$INJECT_HEADER: $INJECT_VALUE"
done

log "scenario 1b: plain HTTP, 1 KiB, new connection per request, header injection"
each_contender plain-newconn 32 proxy --url "http://127.0.0.1:$ORIGIN_HTTP/1k" --connections 32 \
  --expect-bytes 1024 --new-connection-per-request --header "$INJECT_HEADER: $INJECT_VALUE"

log "scenario 4: CONNECT tunnel passthrough, 8 MiB download"
each_contender tunnel-8mib 4 connect --url "http://127.0.0.1:$ORIGIN_TUNNEL/bytes/8388608" --connections 4 \
  --expect-bytes 8388608

log "scenario 4b: forwarded (absolute-form) 8 MiB download with header injection"
each_contender forward-8mib 4 proxy --url "http://127.0.0.1:$ORIGIN_HTTP/bytes/8388608" --connections 4 \
  --expect-bytes 8388608 --header "$INJECT_HEADER: $INJECT_VALUE"

if ((HTTPS)); then
  log "scenarios 2 and 3: HTTPS with interception and injection"
  https_contenders=()
  nexus_https="$(curl -s -o /dev/null -w '%{http_connect} %{http_code}' --max-time 10 -x "http://127.0.0.1:$NEXUS" \
    --cacert "$WORK/nexus/ca/ca.crt" "https://127.0.0.1:$ORIGIN_HTTPS/header/$INJECT_HEADER" || true)"
  if [[ $nexus_https == "200 200" ]]; then
    https_contenders+=("nexus:$NEXUS:$WORK/nexus/ca/ca.crt:nexus")
    # The interception path (TLS both ways, leaf certificates) is other code than the plain-HTTP warm-up
    # reached; measured cold, the C2 compiler took half of the proxy's core in the measured window.
    log "JIT warm-up of nexus-proxy's interception path (${PREWARM}s of load, not measured)"
    prewarm "$NEXUS" "$PREWARM" "https://127.0.0.1:$ORIGIN_HTTPS/1k" 32 --cacert "$WORK/nexus/ca/ca.crt"
  else
    log "nexus-proxy: HTTPS interception not available in this build (CONNECT/GET answered '$nexus_https')"
    record https-keepalive nexus 32 '{"unavailable":"not available in this build","detail":"'"$nexus_https"'"}'
  fi
  ((HAVE_SQUID)) && https_contenders+=("squid:$SQUID_BUMP:$WORK/squid/ca.pem:squid")
  ((HAVE_MITM)) && https_contenders+=("mitmproxy:$MITM:$WORK/mitm/mitmproxy-ca-cert.pem:mitm")
  for mode in keepalive newconn; do
    extra=(); [[ $mode == newconn ]] && extra=(--new-connection-per-request)
    measure "https-$mode" direct 32 - --url "https://127.0.0.1:$ORIGIN_HTTPS/1k" --connections 32 \
      --expect-bytes 1024 --cacert "$WORK/origin.pem" "${extra[@]}"
    for entry in "${https_contenders[@]}"; do
      IFS=: read -r name port ca pidname <<<"$entry"
      measure "https-$mode" "$name" 32 "$pidname" --url "https://127.0.0.1:$ORIGIN_HTTPS/1k" --connections 32 \
        --expect-bytes 1024 --cacert "$ca" --proxy "127.0.0.1:$port" "${extra[@]}"
    done
  done
fi

# The peers are done: stop them so the remaining nexus-only scenarios have core 0 to themselves.
stop squid; stop tinyproxy; stop mitm
stop nexus

log "scenario 6: policy size"
mkdir -p "$WORK/policy-size"
for routes in $POLICY_SIZES; do
  dir="$WORK/policy-size/$routes"; mkdir -p "$dir"
  write_policy "$dir/policy.yaml" "$routes"
  write_nexus_config "$dir" "$NEXUS" "$NEXUS_ADMIN" "$dir/policy.yaml" "$FILE_AUTHORITY"
  ready_ms="$(start_nexus "nexus-$routes" "$dir" "$NEXUS_ADMIN" "${NEXUS_JVM[@]}")"
  injects_via "$NEXUS" || log "nexus with $routes routes does not inject"
  prewarm "$NEXUS" "$PREWARM"
  rss_kib="$(awk '/VmRSS/ {print $2}' "/proc/$(pid_of "nexus-$routes")/status")"
  record policy-ready nexus "$routes" "{\"ready_ms\":$ready_ms,\"rss_after_ready_kib\":$rss_kib}"
  measure policy-size nexus "$routes" "nexus-$routes" --proxy "127.0.0.1:$NEXUS" \
    --url "http://127.0.0.1:$ORIGIN_HTTP/1k" --connections 32 --expect-bytes 1024
  stop "nexus-$routes"
done

log "scenario 5: cold credential path (200 concurrent requests, lease not cached, test Authority)"
mkdir -p "$WORK/cold"
start authority "$LOAD_CORE" python3 "$SCRIPTS/test_authority.py" "$AUTHORITY" bench-authority-key --latency-ms 100
wait_for authority 30 bash -c "curl -sf http://127.0.0.1:$AUTHORITY/calls"
cold_connection="cold-$(date +%s)"
# A /warm/ route on the same origin injects another connection ("warm"). Warming up through it with 200
# connections fetches that lease, compiles the inject path and fills the upstream pool, so the burst
# measures a new connection's first lease, not JVM warm-up or upstream connection setup.
write_policy "$WORK/cold/policy.yaml" 4 "$cold_connection" warm
write_nexus_config "$WORK/cold" "$NEXUS" "$NEXUS_ADMIN" "$WORK/cold/policy.yaml" \
  "{type: nexus, nexus: {url: \"http://127.0.0.1:$AUTHORITY\", api_key: bench-authority-key}}"
start_nexus nexus-cold "$WORK/cold" "$NEXUS_ADMIN" "${NEXUS_JVM[@]}" >/dev/null
prewarm "$NEXUS" "$PREWARM" "http://127.0.0.1:$ORIGIN_HTTP/warm/1k" 200
for contender in direct nexus; do
  args=()
  [[ $contender == nexus ]] && args=(--proxy "127.0.0.1:$NEXUS" --cpu-pid "$(pid_of nexus-cold)" --clk-tck "$CLK_TCK")
  out="$(pinned "$LOAD_CORE" "${JAVA_LOAD[@]}" dev.nexus.bench.load.LoadClient --burst --connections 200 \
    --duration 30 --url "http://127.0.0.1:$ORIGIN_HTTP/1k" --expect-bytes 1024 "${args[@]}" \
    2>>"$WORK/logs/loadclient.log" | tail -1)"
  calls="$(curl -s "http://127.0.0.1:$AUTHORITY/calls" | jq -c --arg c "$cold_connection" '{token: (.token[$c] // 0), refresh: (.refresh[$c] // 0)}')"
  record cold-burst "$contender" 200 "${out%\}},\"authority_calls\":$calls}"
  log "cold burst $contender: $(jq -r '"ttfb p50 \(.ttfb_p50_us) us, max \(.ttfb_max_us) us, errors \(.errors)"' <<<"$out"), authority calls $calls"
done
stop nexus-cold; stop authority

log "footprint: startup to ready, idle RSS, idle keep-alive connections, RSS under load"
mkdir -p "$WORK/footprint"
write_nexus_config "$WORK/footprint" "$NEXUS" "$NEXUS_ADMIN" "$WORK/nexus/policy.yaml" "$FILE_AUTHORITY"
sed -i 's/^timeouts: .*/timeouts: {shutdown_drain: 0s, client_idle: 10m}/' "$WORK/footprint/config.yaml"
# AppCDS: one training run records the classes loaded at startup and on first requests.
start_nexus nexus-cds "$WORK/footprint" "$NEXUS_ADMIN" "${SIDECAR_JVM[@]}" \
  "-XX:ArchiveClassesAtExit=$WORK/footprint/nexus.jsa" >/dev/null
injects_via "$NEXUS" || true
curl -s -o /dev/null -x "http://127.0.0.1:$NEXUS" "http://127.0.0.1:$ORIGIN_TUNNEL/1k" || true
curl -s -o /dev/null "http://127.0.0.1:$NEXUS_ADMIN/metrics" || true
stop nexus-cds
APPCDS=()
[[ -s $WORK/footprint/nexus.jsa ]] && APPCDS=("-XX:SharedArchiveFile=$WORK/footprint/nexus.jsa")
heap_used() { # PID: heap in use after a full GC, from the proxy's own JVM metrics
  jcmd "$1" GC.run >/dev/null 2>&1; sleep 0.5
  curl -s "http://127.0.0.1:$NEXUS_ADMIN/metrics" | awk '/^jvm_memory_used_bytes\{area="heap"/ {s+=$2} END {printf "%d", s}'
}
direct_used() { # direct buffers in use, from the proxy's own JVM metrics
  curl -s "http://127.0.0.1:$NEXUS_ADMIN/metrics" | awk '/^jvm_buffer_pool_used_bytes\{.*pool="direct"/ {printf "%d", $2}'
}
startup_samples=3; [[ $MODE == quick ]] && startup_samples=2
for profile in default sidecar sidecar-appcds; do
  case $profile in
    default) flags=() ;;
    sidecar) flags=("${SIDECAR_JVM[@]}") ;;
    sidecar-appcds) flags=("${SIDECAR_JVM[@]}" "${APPCDS[@]}") ;;
  esac
  [[ $profile == sidecar-appcds && ${#APPCDS[@]} == 0 ]] && { log "no AppCDS archive was written"; continue; }
  for sample in $(seq "$startup_samples"); do
    ready_ms="$(start_nexus "nexus-$profile" "$WORK/footprint" "$NEXUS_ADMIN" "${flags[@]}")"
    sleep 2 # let startup work settle before reading the idle footprint
    pid="$(pid_of "nexus-$profile")"
    rss="$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")"
    record startup nexus "$profile" "{\"sample\":$sample,\"ready_ms\":$ready_ms,\"idle_rss_kib\":$rss,\"flags\":\"${flags[*]}\"}"
    log "startup $profile #$sample: ready in $ready_ms ms, idle RSS $((rss / 1024)) MiB"
    if [[ $profile == sidecar-appcds || ( $profile == sidecar && ${#APPCDS[@]} == 0 ) ]] && ((sample == 1)); then
      # one request through each route first, so pools and caches exist before the baseline
      injects_via "$NEXUS" || true
      base_rss="$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")"; base_heap="$(heap_used "$pid")"; base_direct="$(direct_used)"
      for held in $HOLD_LEVELS; do
        start "holder-$held" "$LOAD_CORE" python3 "$SCRIPTS/idle_holder.py" 127.0.0.1 "$NEXUS" \
          "http://127.0.0.1:$ORIGIN_HTTP/1k" "$held"
        if wait_for "$held idle connections" 180 grep -q holding "$WORK/logs/holder-$held.log"; then
          sleep 1
          rss="$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")"; heap="$(heap_used "$pid")"; direct="$(direct_used)"
          record idle-connections nexus "$held" "{\"profile\":\"$profile\",\"rss_kib\":$rss,\"base_rss_kib\":$base_rss,\"heap_bytes\":${heap:-0},\"base_heap_bytes\":${base_heap:-0},\"direct_bytes\":${direct:-0},\"base_direct_bytes\":${base_direct:-0}}"
          log "$held idle connections: RSS $((rss / 1024)) MiB (idle $((base_rss / 1024)) MiB)"
        else
          record idle-connections nexus "$held" "{\"profile\":\"$profile\",\"error\":\"holder failed: $(tail -1 "$WORK/logs/holder-$held.log" | tr -d '"')\"}"
        fi
        stop "holder-$held"
        sleep 1
      done
      # RSS under load with the same flags: the inject route at 32 connections; peak RSS is VmHWM over the window.
      measure sidecar-load nexus "$profile" "nexus-$profile" --proxy "127.0.0.1:$NEXUS" \
        --url "http://127.0.0.1:$ORIGIN_HTTP/1k" --connections 32 --expect-bytes 1024
    fi
    stop "nexus-$profile"
  done
done
stop origin

# --- report -------------------------------------------------------------------------------------------
if ((JFR)) && [[ -f $WORK/nexus.jfr ]]; then
  python3 "$SCRIPTS/jfr_top.py" "$WORK/nexus.jfr" >"$WORK/jfr-top.txt" 2>&1 || true
fi
meta="$WORK/meta.json"
python3 - "$meta" <<EOF
import json, subprocess, sys
def sh(cmd):
    try: return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception as e: return str(e)
json.dump({
  "date": sh("date -u '+%Y-%m-%d %H:%M UTC'"),
  "commit": sh("git -C '$ROOT' rev-parse --short HEAD") + (" (dirty)" if sh("git -C '$ROOT' status --porcelain -- proxy-core proxy-server policy-loader") else ""),
  "command": "$COMMAND_LINE", "mode": "$MODE", "warmup_s": $WARMUP, "duration_s": $DURATION,
  "nproc": sh("nproc"), "cpu": sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"),
  "memory": sh("free -h | awk '/Mem:/ {print \$2}'"), "kernel": sh("uname -r"),
  "jdk": sh("java -version 2>&1 | sed -n 2p"),
  "versions": {"squid": sh("squid -v 2>/dev/null | head -1"), "tinyproxy": sh("tinyproxy -v 2>/dev/null"),
               "mitmproxy": sh("mitmdump --version 2>/dev/null | head -1"), "openssl": sh("openssl version")},
  "contenders": "${CONTENDERS[*]}", "https": $HTTPS,
  "nexus_jvm": "${NEXUS_JVM[*]}", "nice": "$NICE", "sidecar_jvm": "${SIDECAR_JVM[*]}",
  "jfr_top": open("$WORK/jfr-top.txt").read() if $JFR and __import__("os").path.exists("$WORK/jfr-top.txt") else "",
}, open(sys.argv[1], "w"), indent=1)
EOF
REPORT="${REPORT:-$ROOT/benchmarks/target/bench-report-$(date -u +%Y%m%d-%H%M).md}"
mkdir -p "$(dirname "$REPORT")"
python3 "$SCRIPTS/report.py" "$RESULTS" "$meta" >"$REPORT"
cp "$RESULTS" "${REPORT%.md}.jsonl"
log "report: $REPORT"
if ((UPDATE_RESULTS)); then
  python3 "$SCRIPTS/update_results.py" "$ROOT/benchmarks/RESULTS.md" "$REPORT"
  log "benchmarks/RESULTS.md updated (new results on top)"
fi
cat "$REPORT"
