#!/bin/sh
# One-time setup for docker-compose.yml (development only):
#  - creates the interception CA in examples/compose/ca/ (tls.crt, tls.key; git-ignored),
#  - hands the CA key and the credential file to uid 1337 (the proxy's user in the image) with mode 0600,
#    because the proxy refuses credential files that other users can read.
# Needs openssl; uses sudo for chown when not run as root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/ca"
if [ ! -f "$here/ca/tls.crt" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 365 \
    -subj "/CN=nexus-proxy development CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$here/ca/tls.key" -out "$here/ca/tls.crt"
fi
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
chmod 600 "$here/ca/tls.key" "$here/credentials.yaml"
sudo_if_needed chown 1337:1337 "$here/ca/tls.key" "$here/credentials.yaml"
echo "CA certificate for agents to trust: $here/ca/tls.crt"
