#!/usr/bin/env bash
# End-to-end benchmarks: nexus-proxy in the JVM profiles the Helm chart ships (gateway and sidecar) against
# direct connections and peer proxies (HAProxy, privoxy, squid, tinyproxy; mitmproxy on request), side by
# side in one run, plus warm start and footprint. See benchmarks/README.md.
#
#   benchmarks/run.sh [--quick] [--sections LIST] [--profiles LIST] [--profile NAME=FLAGS]... [--peers LIST]
#                     [--jfr] [--no-install] [--no-build] [--report FILE] [--update-results]
#                     [--max-load N] [--max-wait S] [--nice N] [--port-offset N]
#
# Everything listens on 127.0.0.1 (fixed ports plus --port-offset); pid files, configs, logs and results live
# in one temporary directory (kept at the end, its path is printed). Every process this script starts is
# stopped on exit, also on failure or Ctrl-C. Every benchmark process (proxies, origin, load client) runs
# at nice N (default -10), the same for all, so other work on a shared machine disturbs them less.
# Needs root for apt-get, for clear_refs (peak RSS windows), for negative nice and for squid's own user.
set -euo pipefail

ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
SCRIPTS="$ROOT/benchmarks/scripts"
BENCH_JAR="$ROOT/benchmarks/target/benchmarks.jar"
NEXUS_JAR="$ROOT/proxy-server/target/nexus-proxy.jar"

MODE=full JFR=0 INSTALL=1 BUILD=1 UPDATE_RESULTS=0 REPORT="" MAX_LOAD="" MAX_WAIT=600 NICE=-10 PORT_OFFSET=0
SECTIONS="" PROFILES="gateway sidecar" PEERS="haproxy privoxy squid tinyproxy"
declare -A PROFILE_FLAGS=()
COMMAND_LINE="benchmarks/run.sh $*"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) MODE=quick ;;
    --sections) SECTIONS="${2//,/ }"; shift ;;
    --profiles) PROFILES="${2//,/ }"; shift ;;
    --profile) PROFILE_FLAGS["${2%%=*}"]="${2#*=}"; shift ;;
    --peers) PEERS="${2//,/ }"; shift ;;
    --jfr) JFR=1 ;;
    --no-install) INSTALL=0 ;;
    --no-build) BUILD=0 ;;
    --update-results) UPDATE_RESULTS=1 ;;
    --report) REPORT="$2"; shift ;;
    --max-load) MAX_LOAD="$2"; shift ;;
    --max-wait) MAX_WAIT="$2"; shift ;;
    --nice) NICE="$2"; shift ;;
    --port-offset) PORT_OFFSET="$2"; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

if [[ $MODE == quick ]]; then
  # A few minutes: the headline scenarios at 32 connections and a short warm-start series.
  WARMUP=2 DURATION=3 PREWARM=8 WARM_WINDOWS=4 WARM_SCENARIOS="a b"
  SECTIONS="${SECTIONS:-headline warm}"
  CONNECTION_LEVELS="" POLICY_SIZES="10 100000" HOLD_LEVELS="1000"
else
  WARMUP=5 DURATION=10 PREWARM=20 WARM_WINDOWS=12 WARM_SCENARIOS="a b e"
  SECTIONS="${SECTIONS:-headline warm footprint extras}"
  CONNECTION_LEVELS="64 256" POLICY_SIZES="10 10000 100000" HOLD_LEVELS="1000 5000"
fi
WARM_WINDOW=5   # seconds per window of the warm-start series, which starts 5 s after /readyz
has_section() { [[ " $SECTIONS " == *" $1 "* ]]; }

# Fixed loopback ports, moved by --port-offset so two runs on one machine do not collide.
port() { echo $(($1 + PORT_OFFSET)); }
ORIGIN_HTTP=$(port 18080)      # inject target (1 KiB, /bytes/N, /header/NAME)
ORIGIN_TUNNEL=$(port 18081)    # allow (tunnel) target, same origin process
ORIGIN_HTTPS=$(port 18443)     # HTTPS origin (certificate for IP 127.0.0.1)
AUTHORITY=$(port 18090)
NEXUS_BASE=$(port 13140) NEXUS_ADMIN_BASE=$(port 19090)  # profile i: proxy NEXUS_BASE+i, admin NEXUS_ADMIN_BASE+i
SQUID=$(port 13129) SQUID_BUMP=$(port 13134) TINYPROXY=$(port 13130) MITM=$(port 13131) HAPROXY=$(port 13132) PRIVOXY=$(port 13133)
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
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

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
MASKED_VALUE="${INJECT_VALUE//?/*}"
echoed() { # BODY: the origin echoed the injected value (nexus-proxy masks it on the way back: response redaction)
  [[ $1 == "$INJECT_VALUE" || $1 == "$MASKED_VALUE" ]]
}
injects_via() { # PROXY_PORT: the origin sees the injected header through this proxy
  echoed "$(curl -s --max-time 5 -x "http://127.0.0.1:$1" "http://127.0.0.1:$ORIGIN_HTTP/header/$INJECT_HEADER")"
}
injects_https_via() { # PROXY_PORT CA_FILE: the same through an intercepted CONNECT
  echoed "$(curl -s --max-time 5 -x "http://127.0.0.1:$1" --cacert "$2" "https://127.0.0.1:$ORIGIN_HTTPS/header/$INJECT_HEADER")"
}

# --- install and build -----------------------------------------------------------------------------
wants_peer() { [[ " $PEERS " == *" $1 "* ]]; }
install_packages() {
  local missing=()
  wants_peer squid && ! { command -v squid >/dev/null && squid -v | grep -q -- '--with-openssl'; } && missing+=(squid-openssl)
  wants_peer tinyproxy && ! command -v tinyproxy >/dev/null && missing+=(tinyproxy)
  wants_peer mitmproxy && ! command -v mitmdump >/dev/null && missing+=(mitmproxy)
  wants_peer haproxy && ! command -v haproxy >/dev/null && missing+=(haproxy)
  wants_peer privoxy && ! command -v privoxy >/dev/null && missing+=(privoxy)
  command -v taskset >/dev/null || missing+=(util-linux)
  command -v jq >/dev/null || missing+=(jq)
  python3 -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
  ((${#missing[@]})) || return 0
  log "installing from Debian packages: ${missing[*]}"
  apt-get update -qq >/dev/null
  local package
  for package in "${missing[@]}"; do
    if [[ "$(apt-cache policy "$package" | awk '/Candidate:/ {print $2}')" =~ ^(|\(none\))$ ]]; then
      log "package $package is not installable here: that contender is skipped"
      continue
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=300 "$package" \
      >"$WORK/logs/apt-$package.log" 2>&1 \
      || log "installing $package failed (see $WORK/logs/apt-$package.log): that contender is skipped"
  done
}
((INSTALL)) && install_packages
available_peer() {
  case "$1" in
    squid) command -v squid >/dev/null && squid -v | grep -q -- '--with-openssl' ;;
    mitmproxy) command -v mitmdump >/dev/null ;;
    *) command -v "$1" >/dev/null ;;
  esac
}

if ((BUILD)) || [[ ! -f $BENCH_JAR || ! -f $NEXUS_JAR ]]; then
  log "building nexus-proxy.jar and benchmarks.jar (mvn package, no tests)"
  (cd "$ROOT" && ./mvnw -B -q -o -pl proxy-server,benchmarks -am package -DskipTests) >"$WORK/logs/build.log" 2>&1 \
    || { log "build failed, see $WORK/logs/build.log"; exit 1; }
fi

# --- the JVM profiles: read from the chart, never copied ---------------------------------------------
# gateway = .proxy.jvmOptions with -XX:MaxRAM set to .resources.limits.memory; sidecar =
# .injector.sidecar.jvmOptions with -XX:MaxRAM set to .injector.sidecar.resources.limits.memory, so the JVM
# sizes itself as it would inside that container. The environment the image sets (Dockerfile ENV other than
# NEXUS_JVM_OPTS, e.g. MALLOC_ARENA_MAX) applies to every profile, as in the container.
chart_profile() { # gateway|sidecar: prints "FLAGS|LIMIT_MIB|REQUEST_MIB"
  python3 "$SCRIPTS/chart_profile.py" "$ROOT/helm/nexus-proxy/values.yaml" "$1"
}
IMAGE_ENV=()
while IFS= read -r assignment; do IMAGE_ENV+=("$assignment"); done < <(python3 "$SCRIPTS/chart_profile.py" --image-env "$ROOT/Dockerfile")
declare -A PROFILE_LIMIT=() PROFILE_REQUEST=()
for profile in gateway sidecar; do
  IFS='|' read -r flags limit request <<<"$(chart_profile "$profile")"
  [[ -n ${PROFILE_FLAGS[$profile]:-} ]] || PROFILE_FLAGS[$profile]="$flags"
  PROFILE_LIMIT[$profile]="$limit"; PROFILE_REQUEST[$profile]="$request"
done
# A profile that maps the image's class-data archive gets one built the same way from the jar under test
# (bin/build-cds-archive): an archive is only valid for the JVM and the jar it was made with.
with_local_archive() { # PROFILE
  local flags="${PROFILE_FLAGS[$1]}" archive
  [[ $flags =~ -XX:SharedArchiveFile=([^[:space:]]+) ]] || return 0
  archive="${BASH_REMATCH[1]}"
  [[ $archive == "$WORK"/* ]] && return 0
  log "profile $1: building its class-data archive from $NEXUS_JAR (the image has $archive)"
  # shellcheck disable=SC2086 # a profile's flags are a space-separated list
  NEXUS_CDS_PORT=$(port 39128) "$ROOT/bin/build-cds-archive" "$NEXUS_JAR" "$WORK/cds-$1.jsa" $flags \
    >"$WORK/logs/cds-$1.log" 2>&1 || { log "building the archive failed (see $WORK/logs/cds-$1.log)"; exit 1; }
  PROFILE_FLAGS[$1]="${flags/-XX:SharedArchiveFile=$archive/-XX:SharedArchiveFile=$WORK/cds-$1.jsa}"
}
declare -A PROFILE_PORT=() PROFILE_ADMIN=()
index=0
for profile in $PROFILES; do
  [[ -n ${PROFILE_FLAGS[$profile]:-} ]] || { log "profile $profile: no flags (give --profile $profile=FLAGS)"; exit 2; }
  with_local_archive "$profile"
  PROFILE_PORT[$profile]=$((NEXUS_BASE + index)); PROFILE_ADMIN[$profile]=$((NEXUS_ADMIN_BASE + index))
  log "profile $profile: ${PROFILE_FLAGS[$profile]}"
  index=$((index + 1))
done
((${#IMAGE_ENV[@]})) && log "environment from the image: ${IMAGE_ENV[*]}"

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
new_ca() { # DIR NAME [KEY]: a CA certificate and key (default EC P-256) for a peer that intercepts TLS
  local key=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
  [[ -n ${3:-} ]] && key=(-newkey "$3")
  openssl req -x509 "${key[@]}" -nodes -days 2 -subj "/CN=$2 bench CA" \
    -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$1/ca-key.pem" -out "$1/ca.pem" 2>/dev/null
}

JAVA_LOAD=(java -XX:+UseSerialGC -Xmx512m -cp "$BENCH_JAR")

write_policy() { # FILE TOTAL_ROUTES [CONNECTION [TUNNEL_ROUTE_CONNECTION]]: benchmark routes plus filler routes
  python3 "$SCRIPTS/gen_policy.py" "$1" "$2" "${3:-bench}" "$ORIGIN_HTTP" "$ORIGIN_TUNNEL" "$ORIGIN_HTTPS" ${4:+"$4"}
}
loadclient() { # LOADCLIENT_ARGS...: on the load core
  pinned "$LOAD_CORE" "${JAVA_LOAD[@]}" dev.nexus.bench.load.LoadClient "$@"
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

start_nexus() { # NAME DIR ADMIN_PORT JVM_FLAGS...: starts and waits for /readyz; prints ms from exec to ready
  local name="$1" dir="$2" admin="$3"; shift 3
  local begin; begin=$(date +%s%N)
  # In its own directory: what the proxy creates on first start (the admin token file) stays there.
  (cd "$dir" && start "$name" "$PROXY_CORE" env "${IMAGE_ENV[@]}" java "$@" -jar "$NEXUS_JAR" --config "$dir/config.yaml")
  wait_for "$name /readyz" 120 ready_url "http://127.0.0.1:$admin/readyz" || { tail -20 "$WORK/logs/$name.log" >&2; return 1; }
  echo $(( ($(date +%s%N) - begin) / 1000000 ))
}
profile_dir() { # PROFILE: its own directory and config (own ports and CA), the shared policy and credentials
  local dir="$WORK/nexus-$1"
  if [[ ! -d $dir ]]; then
    mkdir -p "$dir"
    write_nexus_config "$dir" "${PROFILE_PORT[$1]}" "${PROFILE_ADMIN[$1]}" "$WORK/nexus/policy.yaml" "$FILE_AUTHORITY"
  fi
  echo "$dir"
}
start_profile() { # PROFILE [EXTRA_JVM_FLAGS...]: prints ms to ready
  local profile="$1"; shift
  # shellcheck disable=SC2086 # a profile's flags are a space-separated list
  start_nexus "nexus-$profile" "$(profile_dir "$profile")" "${PROFILE_ADMIN[$profile]}" ${PROFILE_FLAGS[$profile]} "$@"
}

# --- scenarios: what the load client sends, per contender ------------------------------------------
# a: plain HTTP, header injection; b: intercepted HTTPS with injection; d: CONNECT tunnel (plain HTTP
# inside); e: plain HTTP with injection, a new connection per request. 1 KiB responses, 32 connections.
declare -A CA_OF=() PORT_OF=() PIDNAME_OF=()
scenario_args() { # SCENARIO CONTENDER: prints the load client's arguments, one per line; fails if it cannot
  local scenario="$1" contender="$2" port="${PORT_OF[$2]:-}"
  local common=(--connections 32 --expect-bytes 1024)
  case "$scenario:$contender" in
    a:direct|e:direct) printf '%s\n' --url "http://127.0.0.1:$ORIGIN_HTTP/1k" --header "$INJECT_HEADER: $INJECT_VALUE" ;;
    a:haproxy|e:haproxy) printf '%s\n' --url "http://127.0.0.1:$HAPROXY/1k" ;;
    a:*|e:*) printf '%s\n' --url "http://127.0.0.1:$ORIGIN_HTTP/1k" --proxy "127.0.0.1:$port" ;;
    b:direct) printf '%s\n' --url "https://127.0.0.1:$ORIGIN_HTTPS/1k" --cacert "$WORK/origin.pem" ;;
    b:haproxy|b:tinyproxy) return 1 ;;
    b:*) [[ -n ${CA_OF[$contender]:-} ]] || return 1
         printf '%s\n' --url "https://127.0.0.1:$ORIGIN_HTTPS/1k" --cacert "${CA_OF[$contender]}" \
           --proxy "127.0.0.1:${PORT_OF[$contender-bump]:-$port}" ;;
    d:direct) printf '%s\n' --url "http://127.0.0.1:$ORIGIN_TUNNEL/1k" ;;
    d:haproxy) return 1 ;;
    d:*) printf '%s\n' --url "http://127.0.0.1:$ORIGIN_TUNNEL/1k" --proxy "127.0.0.1:$port" --tunnel ;;
  esac
  printf '%s\n' "${common[@]}"
  [[ $scenario == e ]] && echo --new-connection-per-request
  # privoxy's leaves name the host in the CN only (no subjectAltName): the chain is still checked against its CA.
  [[ $scenario:$contender == b:privoxy ]] && echo --no-hostname-verification
  return 0
}

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
    return 0
  fi
  [[ $pidname != - ]] && cpu=(--cpu-pid "$(pid_of "$pidname")" --clk-tck "$CLK_TCK")
  local out
  out="$(timeout $((WARMUP + DURATION + 60)) nice -n "$NICE" taskset -c "$LOAD_CORE" "${JAVA_LOAD[@]}" \
    dev.nexus.bench.load.LoadClient --warmup "$WARMUP" --duration "$DURATION" "${cpu[@]}" "$@" \
    2>>"$WORK/logs/loadclient.log" | tail -1)"
  if [[ $out != \{* ]]; then out='{"errors":-1,"first_error":"load client failed, see logs/loadclient.log"}'; fi
  record "$scenario" "$contender" "$param" "$out"
  log "$scenario $contender $param: $(jq -r '"\(.rps // 0) req/s, \(.mb_per_s // 0) MB/s, p99 \(.p99_us // 0) us, errors \(.errors), cpu/req \(.proxy_cpu_us_per_req // "-") us, peak RSS \((.proxy_peak_rss_kib // 0) / 1024 | floor) MiB"' <<<"$out")"
}
measure_scenario() { # SCENARIO CONTENDER: one measured window, if the contender can do the scenario
  local args=()
  mapfile -t args < <(scenario_args "$1" "$2") || true
  ((${#args[@]})) || return 0
  measure "$1" "$2" 32 "${PIDNAME_OF[$2]:--}" "${args[@]}"
}
prewarm() { # PROFILE SCENARIO SECONDS: JIT warm-up load, not recorded
  local args=()
  mapfile -t args < <(scenario_args "$2" "$1")
  loadclient "${args[@]}" --warmup 0 --duration "$3" >/dev/null 2>&1 || true
}

# --- origin ----------------------------------------------------------------------------------------
log "starting origin (core $LOAD_CORE)"
start origin "$LOAD_CORE" java -XX:+UseSerialGC -Xmx256m -cp "$BENCH_JAR" dev.nexus.bench.load.BenchOrigin \
  --http "$ORIGIN_HTTP" --http "$ORIGIN_TUNNEL" --https "$ORIGIN_HTTPS" --cert "$WORK/origin.pem" --key "$WORK/origin-key.pem"
wait_for origin 60 ready_url "http://127.0.0.1:$ORIGIN_HTTP/1k"

jfr_flags() { # PROFILE: the flag that records it with Java Flight Recorder (--jfr)
  ((JFR)) && echo "-XX:StartFlightRecording=filename=$WORK/nexus-$1.jfr,settings=profile,dumponexit=true"
  return 0
}
CONTENDERS=()

# --- peers -------------------------------------------------------------------------------------------
start_haproxy() {
  # Reverse-proxy mode in front of the one origin, setting the header: the least a mature proxy can do per
  # request (parse, add a header, relay). Server connections are shared between client connections
  # (http-reuse always), as nexus-proxy's upstream pool does.
  mkdir -p "$WORK/haproxy"
  cat >"$WORK/haproxy/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 8000
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  http-reuse always
frontend bench
  bind 127.0.0.1:$HAPROXY
  default_backend origin
backend origin
  http-request set-header $INJECT_HEADER $INJECT_VALUE
  server origin 127.0.0.1:$ORIGIN_HTTP
EOF
  start haproxy "$PROXY_CORE" haproxy -db -f "$WORK/haproxy/haproxy.cfg"
  [[ "$(curl -s --max-time 5 "http://127.0.0.1:$HAPROXY/header/$INJECT_HEADER")" == "$INJECT_VALUE" ]] \
    || wait_for haproxy 30 bash -c "[[ \"\$(curl -s --max-time 5 http://127.0.0.1:$HAPROXY/header/$INJECT_HEADER)\" == $INJECT_VALUE ]]"
}
start_privoxy() {
  # A forward proxy adding the header (add-header action), CONNECT to any port, and HTTPS inspection (its
  # own CA) for the HTTPS origin only, so the tunnel scenario stays a tunnel.
  mkdir -p "$WORK/privoxy/certs"
  new_ca "$WORK/privoxy" privoxy rsa:2048 # privoxy's OpenSSL code signs with an RSA CA key only
  cat >"$WORK/privoxy/bench.action" <<EOF
{+add-header{$INJECT_HEADER: $INJECT_VALUE} +limit-connect{1-65535}}
/
{+https-inspection}
127.0.0.1:$ORIGIN_HTTPS
EOF
  cat >"$WORK/privoxy/config" <<EOF
confdir $WORK/privoxy
logdir $WORK/privoxy
actionsfile bench.action
listen-address 127.0.0.1:$PRIVOXY
toggle 1
enable-remote-toggle 0
enable-edit-actions 0
keep-alive-timeout 300
default-server-timeout 60
connection-sharing 1
socket-timeout 300
max-client-connections 4096
ca-directory $WORK/privoxy
ca-cert-file ca.pem
ca-key-file ca-key.pem
certificate-directory $WORK/privoxy/certs
trusted-cas-file $WORK/origin.pem
EOF
  start privoxy "$PROXY_CORE" privoxy --no-daemon "$WORK/privoxy/config"
  wait_for privoxy 30 injects_via "$PRIVOXY"
}
start_squid() {
  mkdir -p "$WORK/squid"
  new_ca "$WORK/squid" squid
  /usr/lib/squid/security_file_certgen -c -s "$WORK/squid/ssl_db" -M 4MB >/dev/null
  cat >"$WORK/squid/squid.conf" <<EOF
http_port 127.0.0.1:$SQUID
http_port 127.0.0.1:$SQUID_BUMP ssl-bump tls-cert=$WORK/squid/ca.pem tls-key=$WORK/squid/ca-key.pem generate-host-certificates=on dynamic_cert_mem_cache_size=16MB
sslcrtd_program /usr/lib/squid/security_file_certgen -s $WORK/squid/ssl_db -M 4MB
sslcrtd_children 4 startup=1 idle=1
acl step1 at_step SslBump1
acl step2 at_step SslBump2
ssl_bump peek step1
ssl_bump stare step2
ssl_bump bump all
tls_outgoing_options cafile=$WORK/origin.pem
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
  wait_for squid 30 injects_via "$SQUID"
}
start_tinyproxy() {
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
  wait_for tinyproxy 30 injects_via "$TINYPROXY"
}
start_mitmproxy() {
  mkdir -p "$WORK/mitm"
  export BENCH_INJECT_VALUE="$INJECT_VALUE"
  start mitmproxy "$PROXY_CORE" mitmdump -q --listen-host 127.0.0.1 --listen-port "$MITM" \
    --set confdir="$WORK/mitm" --set ssl_verify_upstream_trusted_ca="$WORK/origin.pem" \
    --set stream_large_bodies=1m --ignore-hosts "^127\\.0\\.0\\.1:$ORIGIN_TUNNEL\$" -s "$SCRIPTS/mitm_inject.py"
  wait_for mitmproxy 60 injects_via "$MITM"
}
start_peers() {
  local peer
  for peer in $PEERS; do
    if ! available_peer "$peer"; then log "$peer is not installed: skipped"; continue; fi
    log "starting $peer (core $PROXY_CORE)"
    if "start_$peer"; then
      CONTENDERS+=("$peer"); PIDNAME_OF[$peer]=$peer
      case $peer in
        privoxy) PORT_OF[privoxy]=$PRIVOXY; CA_OF[privoxy]="$WORK/privoxy/ca.pem" ;;
        squid) PORT_OF[squid]=$SQUID; PORT_OF[squid-bump]=$SQUID_BUMP; CA_OF[squid]="$WORK/squid/ca.pem" ;;
        tinyproxy) PORT_OF[tinyproxy]=$TINYPROXY ;;
        mitmproxy) PORT_OF[mitmproxy]=$MITM; CA_OF[mitmproxy]="$WORK/mitm/mitmproxy-ca-cert.pem" ;;
      esac
      if [[ -n ${CA_OF[$peer]:-} ]] && ! injects_https_via "${PORT_OF[$peer-bump]:-${PORT_OF[$peer]}}" "${CA_OF[$peer]}"; then
        log "$peer does not inject through HTTPS interception: left out of scenario b"; unset "CA_OF[$peer]"
      fi
    else
      log "$peer did not come up (see $WORK/logs/$peer.log): skipped"; stop "$peer"
    fi
  done
}
stop_peers() { local peer; for peer in $PEERS; do stop "$peer"; done; }

# --- headline: scenarios a, b, d, e for every profile and peer ---------------------------------------
if has_section headline; then
  for profile in $PROFILES; do
    log "starting nexus-proxy, profile $profile (core $PROXY_CORE)"
    ready_ms="$(start_profile "$profile" $(jfr_flags "$profile"))"
    record ready "$profile" headline "{\"ready_ms\":$ready_ms}"
    PORT_OF[$profile]=${PROFILE_PORT[$profile]}; PIDNAME_OF[$profile]="nexus-$profile"
    CA_OF[$profile]="$(profile_dir "$profile")/ca/ca.crt"
    injects_via "${PORT_OF[$profile]}" || { log "nexus-proxy ($profile) does not inject: see $WORK/logs/nexus-$profile.log"; exit 1; }
    injects_https_via "${PORT_OF[$profile]}" "${CA_OF[$profile]}" \
      || { log "nexus-proxy ($profile) does not inject through interception"; exit 1; }
    CONTENDERS+=("$profile")
    # Steady state is what the headline shows (warm start is its own section): every path is compiled first.
    log "JIT warm-up of $profile: ${PREWARM}s each through a and b, $((PREWARM / 2))s each through d and e (not measured)"
    prewarm "$profile" a "$PREWARM"; prewarm "$profile" b "$PREWARM"
    prewarm "$profile" d $((PREWARM / 2)); prewarm "$profile" e $((PREWARM / 2))
  done
  start_peers
  for scenario in a b d e; do
    log "scenario $scenario"
    measure_scenario "$scenario" direct
    for contender in "${CONTENDERS[@]}"; do measure_scenario "$scenario" "$contender"; done
  done

  if has_section extras; then
    log "extras: more connections (a), 8 MiB through a tunnel and forwarded, HTTPS with a new connection per request"
    for connections in $CONNECTION_LEVELS; do
      for contender in direct "${CONTENDERS[@]}"; do
        args=(); mapfile -t args < <(scenario_args a "$contender") || true
        ((${#args[@]})) && measure plain-keepalive "$contender" "$connections" "${PIDNAME_OF[$contender]:--}" "${args[@]}" --connections "$connections"
      done
    done
    for contender in direct "${CONTENDERS[@]}"; do
      [[ $contender == haproxy ]] && continue
      proxy=() tunnel=()
      [[ $contender != direct ]] && proxy=(--proxy "127.0.0.1:${PORT_OF[$contender]}") tunnel=(--tunnel)
      measure tunnel-8mib "$contender" 4 "${PIDNAME_OF[$contender]:--}" --url "http://127.0.0.1:$ORIGIN_TUNNEL/bytes/8388608" \
        --connections 4 --expect-bytes 8388608 "${proxy[@]}" "${tunnel[@]}"
      measure forward-8mib "$contender" 4 "${PIDNAME_OF[$contender]:--}" --url "http://127.0.0.1:$ORIGIN_HTTP/bytes/8388608" \
        --connections 4 --expect-bytes 8388608 "${proxy[@]}" --header "$INJECT_HEADER: $INJECT_VALUE"
      args=(); mapfile -t args < <(scenario_args b "$contender") || true
      ((${#args[@]})) && measure https-newconn "$contender" 32 "${PIDNAME_OF[$contender]:--}" "${args[@]}" --new-connection-per-request
    done
  fi
  stop_peers
  for profile in $PROFILES; do stop "nexus-$profile"; done
fi

# --- warm start: a fresh proxy, load from 5 s after /readyz, CPU per request per window ----------------
if has_section warm; then
  for profile in $PROFILES; do
    for scenario in $WARM_SCENARIOS; do
      log "warm start of $profile, scenario $scenario: ${WARM_WINDOWS} windows of ${WARM_WINDOW}s from 5 s after /readyz"
      ready_ms="$(start_profile "$profile")"
      pid="$(pid_of "nexus-$profile")"
      sleep 5
      idle_rss="$(rss_kib "$pid")"
      PORT_OF[$profile]=${PROFILE_PORT[$profile]}; CA_OF[$profile]="$(profile_dir "$profile")/ca/ca.crt"
      args=(); mapfile -t args < <(scenario_args "$scenario" "$profile")
      loadclient "${args[@]}" --warmup 0 --duration "$WARM_WINDOW" --windows "$WARM_WINDOWS" \
        --cpu-pid "$pid" --clk-tck "$CLK_TCK" 2>>"$WORK/logs/loadclient.log" | while IFS= read -r line; do
          [[ $line == \{* ]] || continue
          record "warm-$scenario" "$profile" "$(jq -r .window <<<"$line")" \
            "{\"ready_ms\":$ready_ms,\"idle_rss_kib\":$idle_rss,${line#\{}"
        done
      log "warm start $profile $scenario: ready in $ready_ms ms, idle RSS $((idle_rss / 1024)) MiB; CPU us/req per window: $(
        jq -rs --arg s "warm-$scenario" --arg p "$profile" '[.[] | select(.scenario == $s and .contender == $p) | .proxy_cpu_us_per_req] | map(tostring) | join(" ")' "$RESULTS")"
      stop "nexus-$profile"
    done
  done
fi

# --- footprint: idle keep-alive connections held by the sidecar profile -----------------------------------
footprint_profile=sidecar
if has_section footprint && [[ " $PROFILES " == *" $footprint_profile "* ]]; then
  log "footprint ($footprint_profile): RSS, heap and direct memory with idle keep-alive connections"
  dir="$(profile_dir "$footprint_profile")"
  sed -i 's/^timeouts: .*/timeouts: {shutdown_drain: 0s, client_idle: 10m}/' "$dir/config.yaml"
  admin="${PROFILE_ADMIN[$footprint_profile]}" port="${PROFILE_PORT[$footprint_profile]}"
  heap_used() { # PID: heap in use after a full GC, from the proxy's own JVM metrics
    jcmd "$1" GC.run >/dev/null 2>&1; sleep 0.5
    curl -s "http://127.0.0.1:$admin/metrics" | awk '/^jvm_memory_used_bytes\{area="heap"/ {s+=$2} END {printf "%d", s}'
  }
  direct_used() { # direct buffers in use, from the proxy's own JVM metrics
    curl -s "http://127.0.0.1:$admin/metrics" | awk '/^jvm_buffer_pool_used_bytes\{.*pool="direct"/ {printf "%d", $2}'
  }
  start_profile "$footprint_profile" >/dev/null
  pid="$(pid_of "nexus-$footprint_profile")"
  injects_via "$port" || true # one request first, so pools and caches exist before the baseline
  base_rss="$(rss_kib "$pid")"; base_heap="$(heap_used "$pid")"; base_direct="$(direct_used)"
  for held in $HOLD_LEVELS; do
    start "holder-$held" "$LOAD_CORE" python3 "$SCRIPTS/idle_holder.py" 127.0.0.1 "$port" "http://127.0.0.1:$ORIGIN_HTTP/1k" "$held"
    if wait_for "$held idle connections" 180 grep -q holding "$WORK/logs/holder-$held.log"; then
      sleep 1
      rss="$(rss_kib "$pid")"; heap="$(heap_used "$pid")"; direct="$(direct_used)"
      record idle-connections "$footprint_profile" "$held" "{\"rss_kib\":$rss,\"base_rss_kib\":$base_rss,\"heap_bytes\":${heap:-0},\"base_heap_bytes\":${base_heap:-0},\"direct_bytes\":${direct:-0},\"base_direct_bytes\":${base_direct:-0}}"
      log "$held idle connections: RSS $((rss / 1024)) MiB (idle $((base_rss / 1024)) MiB)"
    else
      record idle-connections "$footprint_profile" "$held" "{\"error\":\"holder failed: $(tail -1 "$WORK/logs/holder-$held.log" | tr -d '"')\"}"
    fi
    stop "holder-$held"
    sleep 1
  done
  stop "nexus-$footprint_profile"
fi

# --- extras: policy size and the cold credential path (gateway profile) ---------------------------------------
if has_section extras; then
  extras_profile="$(set -- $PROFILES; echo "$1")"
  # shellcheck disable=SC2206 # a profile's flags are a space-separated list
  extras_flags=(${PROFILE_FLAGS[$extras_profile]})
  extras_port=${PROFILE_PORT[$extras_profile]} extras_admin=${PROFILE_ADMIN[$extras_profile]}
  log "policy size ($extras_profile profile)"
  mkdir -p "$WORK/policy-size"
  for routes in $POLICY_SIZES; do
    dir="$WORK/policy-size/$routes"; mkdir -p "$dir"
    write_policy "$dir/policy.yaml" "$routes"
    write_nexus_config "$dir" "$extras_port" "$extras_admin" "$dir/policy.yaml" "$FILE_AUTHORITY"
    ready_ms="$(start_nexus "nexus-$routes" "$dir" "$extras_admin" "${extras_flags[@]}")"
    injects_via "$extras_port" || log "nexus with $routes routes does not inject"
    loadclient --url "http://127.0.0.1:$ORIGIN_HTTP/1k" --proxy "127.0.0.1:$extras_port" --warmup 0 --duration "$PREWARM" >/dev/null 2>&1 || true
    record policy-ready nexus "$routes" "{\"ready_ms\":$ready_ms,\"rss_after_ready_kib\":$(rss_kib "$(pid_of "nexus-$routes")")}"
    measure policy-size nexus "$routes" "nexus-$routes" --proxy "127.0.0.1:$extras_port" \
      --url "http://127.0.0.1:$ORIGIN_HTTP/1k" --connections 32 --expect-bytes 1024
    stop "nexus-$routes"
  done

  log "cold credential path (200 concurrent requests, lease not cached, test Authority)"
  mkdir -p "$WORK/cold"
  start authority "$LOAD_CORE" python3 "$SCRIPTS/test_authority.py" "$AUTHORITY" bench-authority-key --latency-ms 100
  wait_for authority 30 bash -c "curl -sf http://127.0.0.1:$AUTHORITY/calls"
  cold_connection="cold-$(date +%s)"
  # A /warm/ route on the same origin injects another connection ("warm"). Warming up through it with 200
  # connections fetches that lease, compiles the inject path and fills the upstream pool, so the burst
  # measures a new connection's first lease, not JVM warm-up or upstream connection setup.
  write_policy "$WORK/cold/policy.yaml" 4 "$cold_connection" warm
  write_nexus_config "$WORK/cold" "$extras_port" "$extras_admin" "$WORK/cold/policy.yaml" \
    "{type: nexus, nexus: {url: \"http://127.0.0.1:$AUTHORITY\", api_key: bench-authority-key}}"
  start_nexus nexus-cold "$WORK/cold" "$extras_admin" "${extras_flags[@]}" >/dev/null
  loadclient --url "http://127.0.0.1:$ORIGIN_HTTP/warm/1k" --proxy "127.0.0.1:$extras_port" --connections 200 \
    --warmup 0 --duration "$PREWARM" >/dev/null 2>&1 || true
  for contender in direct nexus; do
    args=()
    [[ $contender == nexus ]] && args=(--proxy "127.0.0.1:$extras_port" --cpu-pid "$(pid_of nexus-cold)" --clk-tck "$CLK_TCK")
    out="$(loadclient --burst --connections 200 --duration 30 --url "http://127.0.0.1:$ORIGIN_HTTP/1k" --expect-bytes 1024 \
      "${args[@]}" 2>>"$WORK/logs/loadclient.log" | tail -1)"
    calls="$(curl -s "http://127.0.0.1:$AUTHORITY/calls" | jq -c --arg c "$cold_connection" '{token: (.token[$c] // 0), refresh: (.refresh[$c] // 0)}')"
    record cold-burst "$contender" 200 "${out%\}},\"authority_calls\":$calls}"
    log "cold burst $contender: $(jq -r '"ttfb p50 \(.ttfb_p50_us) us, max \(.ttfb_max_us) us, errors \(.errors)"' <<<"$out"), authority calls $calls"
  done
  stop nexus-cold; stop authority
fi
stop origin

# --- report -------------------------------------------------------------------------------------------
if ((JFR)); then
  for profile in $PROFILES; do
    [[ -f $WORK/nexus-$profile.jfr ]] || continue
    { echo "== $profile (headline scenarios a, b, d, e and their warm-up)"; python3 "$SCRIPTS/jfr_top.py" "$WORK/nexus-$profile.jfr" 2>&1; } \
      >>"$WORK/jfr-top.txt" || true
  done
fi
meta="$WORK/meta.json"
profiles_json="$(for p in $PROFILES; do jq -n --arg n "$p" --arg f "${PROFILE_FLAGS[$p]}" \
  --arg l "${PROFILE_LIMIT[$p]:-}" --arg r "${PROFILE_REQUEST[$p]:-}" '{name: $n, flags: $f, limit_mib: $l, request_mib: $r}'; done | jq -s .)"
python3 - "$meta" "$profiles_json" <<EOF
import json, os, subprocess, sys
def sh(cmd):
    try: return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception as e: return str(e)
json.dump({
  "date": sh("date -u '+%Y-%m-%d %H:%M UTC'"),
  "commit": sh("git -C '$ROOT' rev-parse --short HEAD") + (" (dirty)" if sh("git -C '$ROOT' status --porcelain -- proxy-core proxy-server policy-loader helm Dockerfile") else ""),
  "command": "$COMMAND_LINE", "mode": "$MODE", "warmup_s": $WARMUP, "duration_s": $DURATION, "prewarm_s": $PREWARM,
  "warm_window_s": $WARM_WINDOW, "sections": "$SECTIONS",
  "nproc": sh("nproc"), "cpu": sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"),
  "memory": sh("free -h | awk '/Mem:/ {print \$2}'"), "kernel": sh("uname -r"),
  "jdk": sh("java -version 2>&1 | sed -n 2p"),
  "versions": {"haproxy": sh("haproxy -v 2>/dev/null | head -1"), "privoxy": sh("privoxy --version 2>/dev/null | head -1"),
               "squid": sh("squid -v 2>/dev/null | head -1"), "tinyproxy": sh("tinyproxy -v 2>/dev/null"),
               "mitmproxy": sh("mitmdump --version 2>/dev/null | head -1"), "openssl": sh("openssl version")},
  "contenders": "${CONTENDERS[*]}", "profiles": json.loads(sys.argv[2]), "image_env": "${IMAGE_ENV[*]}", "nice": "$NICE",
  "jfr_top": open("$WORK/jfr-top.txt").read() if os.path.exists("$WORK/jfr-top.txt") else "",
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
