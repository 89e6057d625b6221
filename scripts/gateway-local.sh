#!/usr/bin/env bash
# gateway-local.sh runs MiniTwit like the Swarm stack, on 127.0.0.1 only: it
# builds web, api and follower, then starts a throwaway PostgreSQL, the
# migrate step, follower, api and web each as its own process, and real
# NGINX rendered by the gateway's own render.sh and template with a
# self-signed certificate. It prints the HTTPS URL and runs until SIGTERM or
# Ctrl-C, then stops everything it started.
#
# Environment:
#   ACCEPTED_IPS       who may use /api/ (default 127.0.0.1, the only client
#                      that reaches this gateway; "*" also needs ALLOW_ANY_CLIENT=1)
#   ALLOW_ANY_CLIENT   1 to accept ACCEPTED_IPS=* (render.sh refuses it otherwise)
#   TRUSTED_PROXIES    peers whose X-Forwarded-For is believed (default none)
#   AUTH_RATE, AUTH_BURST  sign-in rate limit (render.sh's defaults)
#   BIN_DIR            where the binaries are built (default bin/)
#   GATEWAY_STATE_DIR  working directory: logs, rendered config, certificate
#                      (default: a new temporary directory, removed at exit)
#
# The end-to-end checks of the gateway are `go test ./services/e2e -run
# Gateway`; they start the same topology from Go.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

ensure_packages nginx:nginx-light openssl:openssl curl:curl envsubst:gettext-base
command -v go >/dev/null || die "Go is required to build the services (see README)"

BIN_DIR=${BIN_DIR:-$REPO_ROOT/bin}
log "building web, api and follower into $BIN_DIR"
mkdir -p "$BIN_DIR"
(cd "$REPO_ROOT" && go build -o "$BIN_DIR/" minitwit/web/cmd/web minitwit/api/cmd/api minitwit/follower/cmd/follower)

OWN_STATE=0
if [[ -z ${GATEWAY_STATE_DIR:-} ]]; then
  GATEWAY_STATE_DIR=$(mktemp -d /tmp/minitwit-gateway.XXXXXX)
  OWN_STATE=1
fi
STATE=$GATEWAY_STATE_DIR
mkdir -p "$STATE"/{gw,tls,acme/.well-known/acme-challenge,logs}
# nginx workers run as www-data when we are root and need to reach their
# temp directories below the state directory.
chmod 0755 "$STATE" "$STATE"/{gw,acme,logs}
NGINX_USER=
[[ $(id -u) -eq 0 ]] && NGINX_USER=www-data

declare -A PID=() PORT=() USED=()
GW_PID=''

# alloc_port VAR sets VAR to a free port not handed out before: free_port
# alone could return a port twice before either process has bound it.
alloc_port() {
  local p
  while :; do
    p=$(free_port)
    [[ -z ${USED[$p]:-} ]] && break
  done
  USED[$p]=1
  printf -v "$1" '%s' "$p"
}

cleanup() {
  trap '' TERM INT
  local pid
  for pid in "$GW_PID" "${PID[@]}"; do
    [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null
  done
  for pid in "$GW_PID" "${PID[@]}"; do
    [[ -n $pid ]] && { wait "$pid" 2>/dev/null || true; }
  done
  pg_stop gwdb
  if ((OWN_STATE)); then rm -rf "$STATE"; fi
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

log "starting PostgreSQL"
pg_start gwdb
# shellcheck disable=SC2154 # set by pg_start gwdb
DATABASE_URL=$gwdb_URL
log "applying migrations"
DATABASE_URL=$DATABASE_URL "$BIN_DIR/follower" migrate up >"$STATE/logs/migrate.log" 2>&1 ||
  { cat "$STATE/logs/migrate.log" >&2; die "migrate failed"; }

head -c 32 /dev/urandom | base64 >"$STATE/session_key"
# The follower service accepts only callers holding this token (issue 9).
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$STATE/follower_token"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
  -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$STATE/tls/key.pem" -out "$STATE/tls/cert.pem" 2>/dev/null
chmod 0600 "$STATE/tls/key.pem"

# start_service NAME starts NAME on a free port and waits until it is ready.
start_service() {
  local name=$1 port mport
  alloc_port port
  alloc_port mport
  local vars=(ADDR="127.0.0.1:$port" METRICS_ADDR="127.0.0.1:$mport" DATABASE_URL="$DATABASE_URL" VERSION=local
    FOLLOWER_TOKEN_FILE="$STATE/follower_token")
  case $name in
    web) vars+=(FOLLOWER_URL="http://127.0.0.1:${PORT[follower]}" SESSION_KEY_FILE="$STATE/session_key") ;;
    api) vars+=(FOLLOWER_URL="http://127.0.0.1:${PORT[follower]}") ;;
  esac
  env "${vars[@]}" "$BIN_DIR/$name" >>"$STATE/logs/$name.log" 2>&1 &
  PID[$name]=$!
  PORT[$name]=$port
  for _ in $(seq 1 300); do
    curl -fs -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null && return 0
    kill -0 "${PID[$name]}" 2>/dev/null || break
    sleep 0.1
  done
  tail -n 20 "$STATE/logs/$name.log" >&2
  die "$name on port $port did not become ready"
}

log "starting follower, api and web"
for name in follower api web; do start_service "$name"; done

log "starting the gateway"
alloc_port HTTP_PORT
alloc_port HTTPS_PORT
# 127.0.0.1 first: redirects go to the address printed below; any Host
# other than these two is refused (421).
env SERVER_NAME="127.0.0.1 localhost" LISTEN_HOST=127.0.0.1 HTTP_PORT="$HTTP_PORT" HTTPS_PORT="$HTTPS_PORT" \
  PUBLIC_HTTPS_PORT="$HTTPS_PORT" WEB_UPSTREAM="127.0.0.1:${PORT[web]}" API_UPSTREAM="127.0.0.1:${PORT[api]}" \
  ACCEPTED_IPS="${ACCEPTED_IPS:-127.0.0.1}" ALLOW_ANY_CLIENT="${ALLOW_ANY_CLIENT:-}" TRUSTED_PROXIES="${TRUSTED_PROXIES:-}" \
  AUTH_RATE="${AUTH_RATE:-5r/s}" AUTH_BURST="${AUTH_BURST:-20}" \
  TLS_CERT="$STATE/tls/cert.pem" TLS_KEY="$STATE/tls/key.pem" ACME_ROOT="$STATE/acme" \
  RUN_DIR="$STATE/gw" ACCESS_LOG="$STATE/logs/gateway-access.log" ERROR_LOG="$STATE/logs/gateway-error.log" \
  NGINX_USER="$NGINX_USER" WORKER_PROCESSES=2 STATUS_PORT= GRAFANA_UPSTREAM= \
  "$REPO_ROOT/gateway/render.sh" "$REPO_ROOT/gateway/templates/nginx.conf.template" "$STATE/gw/nginx.conf"
nginx -t -q -p "$STATE/gw/" -c "$STATE/gw/nginx.conf" -e stderr
nginx -p "$STATE/gw/" -c "$STATE/gw/nginx.conf" -e stderr 2>>"$STATE/logs/gateway-error.log" &
GW_PID=$!
wait_http "https://127.0.0.1:$HTTPS_PORT/healthz" 15

echo "MiniTwit through the gateway: https://127.0.0.1:$HTTPS_PORT (CA certificate $STATE/tls/cert.pem)"
echo "plain HTTP (redirects to HTTPS): http://127.0.0.1:$HTTP_PORT"
echo "state directory: $STATE (logs in $STATE/logs)"

# Runs until a signal; stops when any part exits by itself.
while :; do
  for name in follower api web; do
    kill -0 "${PID[$name]}" 2>/dev/null || die "$name (pid ${PID[$name]}) exited; see $STATE/logs/$name.log"
  done
  kill -0 "$GW_PID" 2>/dev/null || die "gateway nginx exited; see $STATE/logs/gateway-error.log"
  sleep 1 &
  wait $! || true
done
