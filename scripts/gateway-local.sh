#!/usr/bin/env bash
# gateway-local.sh runs MiniTwit the way the Swarm stack does, on 127.0.0.1
# only: a throwaway PostgreSQL, the migrate step, follower, api and web each
# as its own process, and real NGINX rendered from the gateway's own template
# with a self-signed certificate. It prints the HTTPS URL and runs until
# SIGTERM or Ctrl-C, then stops everything it started.
#
# Web and api reach the follower through a second, minimal nginx standing in
# for Swarm's service virtual IP, so the follower can be replaced like the
# others.
#
# Environment:
#   ACCEPTED_IPS       who may use /api/ (default "*")
#   TRUSTED_PROXIES    peers whose X-Forwarded-For is believed (default none)
#   BIN_DIR            holds the web, api and follower binaries (default bin/)
#   GATEWAY_STATE_DIR  working directory: logs, rendered config, certificate
#                      (default: a new temporary directory, removed at exit)
#
# Files it writes in the state directory:
#   gateway-local.env  HTTPS_URL, HTTP_URL, CA_CERT, DATABASE_URL, ports, pids
#   ready              created once everything answers
#
# Signals while running:
#   SIGHUP   re-read KEY=VALUE lines from STATE/gateway.env (ACCEPTED_IPS,
#            TRUSTED_PROXIES, AUTH_RATE, AUTH_BURST; a missing key means its
#            value at start), re-render, check and reload nginx; then
#            STATE/reloads holds the number of reloads done.
#   SIGUSR1  rolling-restart drill: replace follower, api and web one at a
#            time, start-first (start the new process, wait for /readyz, add
#            it to the load balancer, take the old one out, SIGTERM the old
#            one). Steps go to STATE/roll.log; STATE/roll.done then says
#            "ok" or "failed".
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

ensure_packages nginx:nginx openssl:openssl curl:curl envsubst:gettext-base pgrep:procps

BIN_DIR=${BIN_DIR:-$REPO_ROOT/bin}
for b in web api follower; do
  [[ -x $BIN_DIR/$b ]] || die "missing $BIN_DIR/$b (cd services && go build -o ../bin/ minitwit/web/cmd/web minitwit/api/cmd/api minitwit/follower/cmd/follower)"
done

OWN_STATE=0
if [[ -z ${GATEWAY_STATE_DIR:-} ]]; then
  GATEWAY_STATE_DIR=$(mktemp -d /tmp/minitwit-gateway.XXXXXX)
  OWN_STATE=1
fi
STATE=$GATEWAY_STATE_DIR
mkdir -p "$STATE"/{gw,vip,tls,acme/.well-known/acme-challenge,logs}
# nginx workers run as www-data when we are root and need to reach their
# temp directories below the state directory.
chmod 0755 "$STATE" "$STATE"/{gw,vip,acme,logs}
rm -f "$STATE/ready" "$STATE/roll.done" "$STATE/roll.log"

# Settings at start; a SIGHUP applies STATE/gateway.env on top of these.
START_ACCEPTED_IPS=${ACCEPTED_IPS:-*}
START_TRUSTED_PROXIES=${TRUSTED_PROXIES:-}
START_AUTH_RATE=${AUTH_RATE:-5r/s}
START_AUTH_BURST=${AUTH_BURST:-20}
ACCEPTED_IPS=$START_ACCEPTED_IPS TRUSTED_PROXIES=$START_TRUSTED_PROXIES
AUTH_RATE=$START_AUTH_RATE AUTH_BURST=$START_AUTH_BURST
NGINX_USER=
[[ $(id -u) -eq 0 ]] && NGINX_USER=www-data

declare -A PID=() PORT=() POOL=() USED=()
GW_PID='' VIP_PID='' RELOADS=0
SERVICES=(follower api web)

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

stamp() { date +%H:%M:%S.%3N; }

cleanup() {
  trap '' TERM INT HUP USR1
  local name pid
  for name in "${!PID[@]}"; do
    kill -TERM "${PID[$name]}" 2>/dev/null || true
  done
  for pid in "$GW_PID" "$VIP_PID"; do
    [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null
  done
  for name in "${!PID[@]}"; do
    wait "${PID[$name]}" 2>/dev/null || true
  done
  for pid in "$GW_PID" "$VIP_PID"; do
    [[ -n $pid ]] && { wait "$pid" 2>/dev/null || true; }
  done
  pg_stop gwdb
  if ((OWN_STATE)); then rm -rf "$STATE"; fi
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# --- PostgreSQL and schema -------------------------------------------------
log "starting PostgreSQL"
pg_start gwdb
# shellcheck disable=SC2154 # set by pg_start gwdb
DATABASE_URL=$gwdb_URL
log "applying migrations"
DATABASE_URL=$DATABASE_URL "$BIN_DIR/follower" migrate up >"$STATE/logs/migrate.log" 2>&1 ||
  { cat "$STATE/logs/migrate.log" >&2; die "migrate failed"; }

head -c 32 /dev/urandom | base64 >"$STATE/session_key"

# --- TLS ---------------------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$STATE/tls/key.pem" -out "$STATE/tls/cert.pem" 2>/dev/null
chmod 0600 "$STATE/tls/key.pem"

alloc_port HTTP_PORT
alloc_port HTTPS_PORT
alloc_port VIP_PORT
alloc_port STATUS_PORT

# --- services ------------------------------------------------------------------
# start_service NAME starts one process of NAME on fresh ports and waits
# until it is ready; NEW_PID and NEW_PORT describe it. Another program on
# this machine may take a port between free_port and the bind, so a process
# that dies with "address already in use" is retried on other ports.
start_service() {
  local name=$1 port mport log attempt
  for attempt in 1 2 3; do
    alloc_port port
    alloc_port mport
    log=$STATE/logs/$name-$port.log
    local vars=(ADDR="127.0.0.1:$port" METRICS_ADDR="127.0.0.1:$mport" DATABASE_URL="$DATABASE_URL" VERSION=local)
    case $name in
      web) vars+=(FOLLOWER_URL="http://127.0.0.1:$VIP_PORT" SESSION_KEY_FILE="$STATE/session_key") ;;
      api) vars+=(FOLLOWER_URL="http://127.0.0.1:$VIP_PORT") ;;
    esac
    env "${vars[@]}" "$BIN_DIR/$name" >>"$log" 2>&1 &
    NEW_PID=$!
    NEW_PORT=$port
    for _ in $(seq 1 300); do
      curl -fs -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null && return 0
      kill -0 "$NEW_PID" 2>/dev/null || break
      sleep 0.1
    done
    if ! kill -0 "$NEW_PID" 2>/dev/null && grep -q 'address already in use' "$log"; then
      wait "$NEW_PID" || true
      log "$name: port $port or $mport was taken meanwhile (attempt $attempt); trying others"
      continue
    fi
    break
  done
  tail -n 20 "$log" >&2
  die "$name on port $port did not become ready"
}

upstream_list() {
  local p out=''
  for p in ${POOL[$1]}; do out+="${out:+,}127.0.0.1:$p"; done
  echo "$out"
}

# --- nginx -----------------------------------------------------------------------
render_gateway() {
  local vars=(
    SERVER_NAME=localhost LISTEN_HOST=127.0.0.1 HTTP_PORT="$HTTP_PORT" HTTPS_PORT="$HTTPS_PORT"
    PUBLIC_HTTPS_PORT="$HTTPS_PORT" WEB_UPSTREAM="$(upstream_list web)" API_UPSTREAM="$(upstream_list api)"
    ACCEPTED_IPS="$ACCEPTED_IPS" TRUSTED_PROXIES="$TRUSTED_PROXIES" AUTH_RATE="$AUTH_RATE" AUTH_BURST="$AUTH_BURST"
    TLS_CERT="$STATE/tls/cert.pem" TLS_KEY="$STATE/tls/key.pem" ACME_ROOT="$STATE/acme"
    RUN_DIR="$STATE/gw" ACCESS_LOG="$STATE/logs/gateway-access.log" ERROR_LOG="$STATE/logs/gateway-error.log"
    NGINX_USER="$NGINX_USER" WORKER_PROCESSES=2 STATUS_PORT="$STATUS_PORT" GRAFANA_UPSTREAM=
  )
  env "${vars[@]}" "$REPO_ROOT/gateway/render.sh" "$REPO_ROOT/gateway/templates/nginx.conf.template" "$STATE/gw/nginx.conf.new"
  nginx -t -q -p "$STATE/gw/" -c "$STATE/gw/nginx.conf.new" -e stderr
  mv "$STATE/gw/nginx.conf.new" "$STATE/gw/nginx.conf"
}

# The stand-in for Swarm's virtual IP of the follower service.
render_vip() {
  local p servers=''
  for p in ${POOL[follower]}; do servers+="        server 127.0.0.1:$p max_fails=0;"$'\n'; done
  cat >"$STATE/vip/nginx.conf.new" <<EOF
${NGINX_USER:+user $NGINX_USER;}
worker_processes 1;
daemon off;
pid $STATE/vip/nginx.pid;
error_log $STATE/logs/vip-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $STATE/vip/client_body;
    proxy_temp_path $STATE/vip/proxy;
    fastcgi_temp_path $STATE/vip/fastcgi;
    uwsgi_temp_path $STATE/vip/uwsgi;
    scgi_temp_path $STATE/vip/scgi;
    upstream follower {
$servers        keepalive 16;
    }
    server {
        listen 127.0.0.1:$VIP_PORT;
        location / {
            proxy_pass http://follower;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_next_upstream error timeout;
        }
    }
}
EOF
  nginx -t -q -p "$STATE/vip/" -c "$STATE/vip/nginx.conf.new" -e stderr
  mv "$STATE/vip/nginx.conf.new" "$STATE/vip/nginx.conf"
}

# reload MASTER_PID signals a graceful reload and returns once every worker
# of the old configuration has finished its requests and exited.
reload() {
  local master=$1 old w
  old=$(pgrep -P "$master" || true)
  kill -HUP "$master"
  for _ in $(seq 1 300); do
    local left=0
    for w in $old; do kill -0 "$w" 2>/dev/null && left=1; done
    if ((!left)) && [[ -n $(pgrep -P "$master" || true) ]]; then return 0; fi
    sleep 0.1
  done
  die "nginx $master did not finish reloading"
}

# apply_pool NAME puts POOL[NAME] into the load balancer that fronts NAME.
apply_pool() {
  if [[ $1 == follower ]]; then
    render_vip
    reload "$VIP_PID"
  else
    render_gateway
    reload "$GW_PID"
  fi
}

# start_nginx vip|gw renders and starts that nginx and waits until it
# answers; ports taken meanwhile by another program are replaced.
start_nginx() {
  local which=$1 pid url errlog=$STATE/logs/vip-error.log attempt
  [[ $which == gw ]] && errlog=$STATE/logs/gateway-error.log
  for attempt in 1 2 3; do
    if [[ $which == vip ]]; then
      render_vip
      url=http://127.0.0.1:$VIP_PORT/healthz
    else
      render_gateway
      url=https://127.0.0.1:$HTTPS_PORT/healthz
    fi
    : >"$errlog"
    nginx -p "$STATE/$which/" -c "$STATE/$which/nginx.conf" -e stderr 2>>"$errlog" &
    pid=$!
    for _ in $(seq 1 150); do
      if curl -fsk -o /dev/null "$url" 2>/dev/null; then
        if [[ $which == vip ]]; then VIP_PID=$pid; else GW_PID=$pid; fi
        return 0
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" || true
    grep -q 'Address already in use' "$errlog" || break
    log "$which nginx: a port was taken meanwhile (attempt $attempt); trying others"
    if [[ $which == vip ]]; then
      alloc_port VIP_PORT
    else
      alloc_port HTTP_PORT
      alloc_port HTTPS_PORT
      alloc_port STATUS_PORT
    fi
  done
  cat "$errlog" >&2
  die "$which nginx did not start"
}

log "starting follower, api and web"
for name in "${SERVICES[@]}"; do
  if [[ $name == api ]]; then
    # web and api need the follower's virtual IP up before they are ready.
    start_nginx vip
  fi
  start_service "$name"
  PID[$name]=$NEW_PID PORT[$name]=$NEW_PORT POOL[$name]=$NEW_PORT
done

log "starting the gateway"
start_nginx gw

write_env() {
  {
    echo "HTTPS_URL=https://127.0.0.1:$HTTPS_PORT"
    echo "HTTP_URL=http://127.0.0.1:$HTTP_PORT"
    echo "CA_CERT=$STATE/tls/cert.pem"
    echo "DATABASE_URL=$DATABASE_URL"
    echo "GATEWAY_PID=$GW_PID"
    echo "VIP_URL=http://127.0.0.1:$VIP_PORT"
    echo "STATUS_URL=http://127.0.0.1:$STATUS_PORT/stub_status"
    local name
    for name in "${SERVICES[@]}"; do
      # Direct addresses, bypassing the gateway (to compare answers with).
      echo "DIRECT_${name^^}_URL=http://127.0.0.1:${PORT[$name]}"
      echo "${name^^}_PID=${PID[$name]}"
    done
  } >"$STATE/gateway-local.env.new"
  mv "$STATE/gateway-local.env.new" "$STATE/gateway-local.env"
}
write_env

# --- control -----------------------------------------------------------------------
reload_settings() {
  local key value
  ACCEPTED_IPS=$START_ACCEPTED_IPS TRUSTED_PROXIES=$START_TRUSTED_PROXIES
  AUTH_RATE=$START_AUTH_RATE AUTH_BURST=$START_AUTH_BURST
  if [[ -f $STATE/gateway.env ]]; then
    while IFS='=' read -r key value; do
      case $key in
        ACCEPTED_IPS) ACCEPTED_IPS=$value ;;
        TRUSTED_PROXIES) TRUSTED_PROXIES=$value ;;
        AUTH_RATE) AUTH_RATE=$value ;;
        AUTH_BURST) AUTH_BURST=$value ;;
        '' | '#'*) ;;
        *) log "gateway.env: ignoring unknown setting $key" ;;
      esac
    done <"$STATE/gateway.env"
  fi
  log "reloading gateway: ACCEPTED_IPS=$ACCEPTED_IPS TRUSTED_PROXIES=$TRUSTED_PROXIES"
  if render_gateway; then
    reload "$GW_PID"
  else
    log "new gateway settings refused; keeping the running configuration"
  fi
  RELOADS=$((RELOADS + 1))
  echo "$RELOADS" >"$STATE/reloads"
}

# roll_one NAME replaces NAME's process the way a start-first Swarm update
# replaces a task.
roll_one() {
  local name=$1 old_pid=${PID[$1]} old_port=${PORT[$1]} rc=0
  start_service "$name"
  echo "$(stamp) $name: new process $NEW_PID on $NEW_PORT is ready" >>"$STATE/roll.log"
  POOL[$name]="$old_port $NEW_PORT"
  apply_pool "$name"
  echo "$(stamp) $name: load balancer has $old_port and $NEW_PORT" >>"$STATE/roll.log"
  POOL[$name]=$NEW_PORT
  apply_pool "$name"
  echo "$(stamp) $name: load balancer has $NEW_PORT only" >>"$STATE/roll.log"
  PID[$name]=$NEW_PID PORT[$name]=$NEW_PORT
  kill -TERM "$old_pid"
  wait "$old_pid" || rc=$?
  echo "$(stamp) $name: old process $old_pid on $old_port exited with status $rc" >>"$STATE/roll.log"
  return "$rc"
}

roll_all() {
  local name result=ok
  log "rolling restart drill"
  for name in "${SERVICES[@]}"; do
    roll_one "$name" || result=failed
  done
  write_env
  echo "$result" >"$STATE/roll.done"
  log "rolling restart drill: $result"
}

want_reload=0 want_roll=0
trap 'want_reload=1' HUP
trap 'want_roll=1' USR1

touch "$STATE/ready"
echo "MiniTwit through the gateway: https://127.0.0.1:$HTTPS_PORT (CA certificate $STATE/tls/cert.pem)"
echo "plain HTTP (redirects to HTTPS): http://127.0.0.1:$HTTP_PORT"
echo "state directory: $STATE"

while :; do
  sleep 0.2 &
  wait $! || true
  if ((want_reload)); then want_reload=0 && reload_settings; fi
  if ((want_roll)); then want_roll=0 && roll_all; fi
  for name in "${SERVICES[@]}"; do
    kill -0 "${PID[$name]}" 2>/dev/null || die "$name (pid ${PID[$name]}) exited; see $STATE/logs"
  done
  kill -0 "$GW_PID" 2>/dev/null || die "gateway nginx exited; see $STATE/logs/gateway-error.log"
  kill -0 "$VIP_PID" 2>/dev/null || die "follower load balancer exited"
done
