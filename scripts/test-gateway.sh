#!/usr/bin/env bash
# test-gateway.sh checks the NGINX gateway, the Swarm stack file and the
# deploy scripts:
#   - static: shellcheck, render.sh refusing malformed settings, a
#     production-like rendering passing `nginx -t`, `docker stack config` of
#     stack/minitwit.yml and of every stack file deploy.sh passes, with the
#     properties the issue asks of the stack;
#   - the container entrypoint, run against the Debian nginx: stand-in
#     certificate first, then the issued one picked up without a restart;
#   - end to end through scripts/gateway-local.sh (PostgreSQL, the three
#     services and real NGINX over HTTPS on 127.0.0.1): a generated scenario
#     replay, web routes, path escapes, TLS versions, redirects, headers,
#     gzip, request ids, the JSON access log, ACCEPTED_IPS with spoofed
#     X-Forwarded-For, trusted proxies, the follower being unreachable, rate
#     limiting, and a start-first rolling-restart drill under load.
# Prints PASS/FAIL lines; exits 1 when anything failed.
# REPLAY_ACTIONS (default 5000) sizes both replays.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib/common.sh
source scripts/lib/common.sh

ensure_packages nginx:nginx openssl:openssl curl:curl envsubst:gettext-base pgrep:procps \
  jq:jq yq:yq shellcheck:shellcheck

ACTIONS=${REPLAY_ACTIONS:-5000}
WORK=$(mktemp -d /tmp/minitwit-test-gateway.XXXXXX)
chmod 0755 "$WORK"
BIN=$WORK/bin
FAILS=0
GWL_PID='' EP_PID='' BG_PIDS=()

# alive PID: the process exists and is not a zombie (PID 1 here may never
# reap orphans, and kill -0 succeeds on a zombie).
alive() {
  local st
  st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $st != Z* ]]
}

pass() { printf 'PASS: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; FAILS=$((FAILS + 1)); }
# check DESCRIPTION COMMAND... runs COMMAND and reports it.
check() {
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
# eq GOT WANT; has GOT NEEDLE...; re GOT REGEX: conditions for check.
eq() { [[ $1 == "$2" ]]; }
has() {
  local got=$1 needle
  shift
  for needle in "$@"; do [[ $got == *"$needle"* ]] || return 1; done
}
re() { [[ $1 =~ $2 ]]; }

cleanup() {
  local pid
  for pid in "${BG_PIDS[@]}" "$EP_PID" "$GWL_PID"; do
    [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null
  done
  for pid in "${BG_PIDS[@]}" "$EP_PID" "$GWL_PID"; do
    [[ -n $pid ]] && { wait "$pid" 2>/dev/null || true; }
  done
  if ((FAILS)); then
    echo "logs kept in $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

# --- static checks ------------------------------------------------------------
log "static checks"
MY_SCRIPTS=(gateway/render.sh gateway/docker-entrypoint.sh scripts/gateway-local.sh scripts/test-gateway.sh
  scripts/deploy.sh scripts/rollback.sh scripts/certbot-renew.sh)
check "shellcheck: ${MY_SCRIPTS[*]}" shellcheck -x "${MY_SCRIPTS[@]}"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=render.test \
  -keyout "$WORK/render-key.pem" -out "$WORK/render-cert.pem" 2>/dev/null
NGINX_USER=''
[[ $(id -u) -eq 0 ]] && NGINX_USER=www-data

# render VAR=VALUE... renders the template to $WORK/render/nginx.conf with
# production defaults except where the arguments say otherwise.
render() {
  mkdir -p "$WORK/render"
  env SERVER_NAME=minitwit.test WEB_UPSTREAM=127.0.0.1:8081 API_UPSTREAM=127.0.0.1:8082 \
    TLS_CERT="$WORK/render-cert.pem" TLS_KEY="$WORK/render-key.pem" RUN_DIR="$WORK/render/run" \
    ACCESS_LOG="$WORK/render/access.log" ERROR_LOG=stderr NGINX_USER="$NGINX_USER" "$@" \
    gateway/render.sh gateway/templates/nginx.conf.template "$WORK/render/nginx.conf" 2>>"$WORK/render/refusals.log"
}
if render STATUS_PORT=8081 GRAFANA_UPSTREAM=grafana:3000 ACCEPTED_IPS="203.0.113.7, 10.0.0.0/8" TRUSTED_PROXIES=192.0.2.1 &&
  nginx -t -q -p "$WORK/render/" -c "$WORK/render/nginx.conf" -e stderr; then
  pass "production-like rendering (80/443, stub_status on 8081, /grafana/) passes nginx -t"
else
  fail "production-like rendering does not pass nginx -t"
fi
refused=0
for bad in 'ACCEPTED_IPS=10.0.0.1; allow all' 'ACCEPTED_IPS=all' 'TRUSTED_PROXIES=0.0.0.0/0;include /etc/passwd' \
  'WEB_UPSTREAM=web:8081; include /etc/passwd' 'API_UPSTREAM=api' 'SERVER_NAME=a;b' 'AUTH_RATE=5' \
  'HTTPS_PORT=70000' 'CSP=default-src "self"'; do
  if render "$bad"; then
    fail "render.sh accepted $bad"
  else
    refused=$((refused + 1))
  fi
done
((refused == 9)) && pass "render.sh refuses 9 malformed settings (ACCEPTED_IPS, TRUSTED_PROXIES, upstreams, name, rate, port, CSP)"

export DOMAIN=minitwit.test
stack_cfg=$WORK/stack.yml
if TAG=t-123 docker stack config -c stack/minitwit.yml >"$stack_cfg" 2>"$WORK/stack.err"; then
  pass "docker stack config -c stack/minitwit.yml"
else
  fail "docker stack config -c stack/minitwit.yml: $(cat "$WORK/stack.err")"
fi
if (unset TAG && docker stack config -c stack/minitwit.yml >/dev/null 2>&1); then
  fail "docker stack config accepts a missing TAG"
else
  pass "docker stack config refuses a missing TAG"
fi
# stack_has DESCRIPTION JQ checks a property of the rendered stack.
yq_true() { yq -e "$1" "$2" >/dev/null; }
stack_has() { check "stack: $1" yq_true "$2" "$stack_cfg"; }
stack_has "every service rotates json-file logs (max-size, max-file)" \
  '[.services[] | .logging.driver == "json-file" and .logging.options["max-size"] != null and .logging.options["max-file"] != null] | all'
stack_has "every service has CPU and memory limits and a restart policy" \
  '[.services[] | .deploy.resources.limits.cpus != null and .deploy.resources.limits.memory != null and .deploy.restart_policy.condition != null] | all'
stack_has "web, api, follower: 2+ replicas, one at a time, start-first, monitored, rollback on failure" \
  '[.services.web, .services.api, .services.follower | (.deploy.replicas | tonumber) >= 2 and .deploy.update_config.parallelism == 1 and .deploy.update_config.order == "start-first" and .deploy.update_config.failure_action == "rollback" and .deploy.update_config.monitor != null] | all'
stack_has "MiniTwit images are tagged with TAG" \
  '[.services.gateway, .services.web, .services.api, .services.follower, .services.migrate | .image | endswith(":t-123")] | all'
stack_has "gateway publishes 80 and 443 in host mode and is on edge only" \
  '([.services.gateway.ports[] | select(.mode == "host") | .published | tonumber] | sort) == [80, 443] and (.services.gateway.networks | keys) == ["edge"]'
stack_has "follower and postgres are on backend only" \
  '(.services.follower.networks | keys) == ["backend"] and (.services.postgres.networks | keys) == ["backend"]'
stack_has "postgres: 1 replica, named volume, placed by node label, stop-first, no published port" \
  '(.services.postgres.deploy.replicas | tonumber) == 1 and .services.postgres.ports == null and ([.services.postgres.volumes[] | select(.type == "volume") | .source] == ["pgdata"]) and ([.services.postgres.deploy.placement.constraints[] | test("node.labels")] | any) and .services.postgres.deploy.update_config.order == "stop-first"'
stack_has "migrate is a one-shot replicated job running 'migrate up'" \
  '.services.migrate.deploy.mode == "replicated-job" and .services.migrate.command == ["migrate", "up"] and .services.migrate.deploy.restart_policy.condition == "on-failure"'
stack_has "secrets are external and reach the services as *_FILE" \
  '([.secrets[] | .external] | all) and .services.web.environment.SESSION_KEY_FILE != null and .services.api.environment.SIMULATOR_PASSWORD_FILE != null and .services.web.environment.DATABASE_PASSWORD_FILE != null'
stack_has "networks: edge overlay, backend overlay and internal" \
  '.networks.edge.driver == "overlay" and .networks.backend.driver == "overlay" and .networks.backend.internal == true'

# deploy.sh must pass minitwit.yml, monitoring.yml, backup.yml (those that
# exist, in that order); the merged stack must validate and keep backend internal.
want=()
for f in minitwit monitoring backup; do [[ -f stack/$f.yml ]] && want+=(-c "stack/$f.yml"); done
if dry=$(scripts/deploy.sh --dry-run t-123 2>"$WORK/dry.err"); then
  if [[ $dry == "docker stack deploy --with-registry-auth --detach=true ${want[*]} minitwit" ]]; then
    pass "deploy.sh --dry-run validates ${want[*]} and would deploy them in that order"
  else
    fail "deploy.sh --dry-run printed: $dry"
  fi
else
  fail "deploy.sh --dry-run: $(tail -n 3 "$WORK/dry.err")"
fi
if TAG=t-123 docker stack config "${want[@]}" >"$WORK/stack-all.yml" 2>"$WORK/stack-all.err"; then
  check "merged stack (${want[*]}) keeps backend internal and edge overlay" \
    yq_true '.networks.backend.internal == true and .networks.edge.driver == "overlay"' "$WORK/stack-all.yml"
else
  fail "docker stack config ${want[*]}: $(cat "$WORK/stack-all.err")"
fi

# --- deploy.sh and rollback.sh logic ---------------------------------------------
# There is no Swarm here, so a scripted docker CLI plays one: it keeps each
# service's image, update status and tasks in files, answers exactly the
# commands deploy.sh issues, and rolls "web" back itself when FAKE_FAIL_TAG
# is deployed, as Swarm's failure_action does. `docker stack config` goes to
# the real CLI. What is tested is the scripts' control flow, not Swarm.
log "deploy.sh and rollback.sh against a scripted docker CLI"
FAKE=$WORK/fake-swarm
mkdir -p "$FAKE/bin" "$FAKE/svc"
touch "$FAKE/calls"
REAL_DOCKER=$(command -v docker)
cat >"$FAKE/bin/docker" <<'FAKEDOCKER'
#!/usr/bin/env bash
set -euo pipefail
F=$FAKE_STATE
printf 'TAG=%s docker %s\n' "${TAG:-}" "$*" >>"$F/calls"
get() { cat "$F/svc/$1/$2" 2>/dev/null || true; }
put() { mkdir -p "$F/svc/$1"; printf '%s' "$3" >"$F/svc/$1/$2"; }
last() { echo "${!#}"; }
stamp() { date +%s%N; }
case "$1 ${2:-}" in
  "stack config") exec "$REAL_DOCKER" "$@" ;;
  "info --format") echo true ;;
  "stack deploy")
    stack=$(last "$@")
    for s in gateway web api follower migrate postgres; do
      n=${stack}_$s
      case $s in
        postgres) img=postgres:15-bookworm ;;
        migrate) img=${REGISTRY:-minitwit}/minitwit-follower:$TAG ;;
        *) img=${REGISTRY:-minitwit}/minitwit-$s:$TAG ;;
      esac
      old=$(get "$n" image)
      [[ $old == "$img" ]] && continue
      if [[ -z $old ]]; then
        put "$n" iter 1
      else
        put "$n" prev "$old"
        put "$n" iter $(($(get "$n" iter) + 1))
      fi
      put "$n" taskstate complete
      if [[ $s == web && -n $old && $TAG == "${FAKE_FAIL_TAG:-}" ]]; then
        put "$n" prev "$img"
        put "$n" state rollback_completed
        put "$n" message "update rolled back due to failure or early termination of task"
      else
        put "$n" image "$img"
        [[ -n $old ]] && put "$n" state completed
      fi
      [[ -n $old ]] && put "$n" started "$(stamp)"
      [[ -n $old ]] || put "$n" image "$img"
    done
    ;;
  "service inspect")
    if [[ $3 != -f ]]; then
      [[ -f $F/svc/$3/image ]] || { echo "Error: no such service: $3" >&2; exit 1; }
      echo '[]'
      exit 0
    fi
    n=$5
    [[ -f $F/svc/$n/image ]] || { echo "Error: no such service: $n" >&2; exit 1; }
    case $4 in
      *'.UpdateStatus.State}}|'*) printf '%s|%s|%s\n' "$(get "$n" state)" "$(get "$n" started)" "$(get "$n" image)" ;;
      *'.UpdateStatus.StartedAt}}{{end}}') get "$n" started ;;
      *'.UpdateStatus.Message}}') get "$n" message ;;
      *'.Spec.TaskTemplate.ContainerSpec.Image}}') get "$n" image ;;
      *'ReplicatedJob'*) [[ $n == *_migrate ]] && echo job || echo service ;;
      *'JobIteration.Index'*) get "$n" iter ;;
      *'MaxAttempts'*) echo 3 ;;
      '{{.ID}}') echo "id-$n" ;;
      *) echo "fake docker: unknown template $4" >&2; exit 2 ;;
    esac
    ;;
  "service update")
    n=$(last "$@")
    img=$(sed -n 's/.*--image \([^ ]*\).*/\1/p' <<<"$*")
    put "$n" image "$img"
    put "$n" iter $(($(get "$n" iter) + 1))
    if [[ ${FAKE_MIGRATE_FAIL:-0} == 1 ]]; then put "$n" taskstate failed; else put "$n" taskstate complete; fi
    ;;
  "service ps")
    n=$(last "$@")
    if [[ " $* " == *" -q "* ]]; then
      count=1
      [[ $(get "$n" taskstate) == failed ]] && count=4
      for k in $(seq 1 "$count"); do echo "$n.$(get "$n" iter).$k"; done
    elif [[ $* == *desired-state=running* && $n != *_migrate ]]; then
      replicas=2
      [[ $n == *_gateway || $n == *_postgres ]] && replicas=1
      for _ in $(seq 1 "$replicas"); do echo "$(get "$n" image)|Running 3 seconds ago"; done
    fi
    ;;
  "inspect --type")
    id=$(last "$@")
    n=${id%%.*}
    rest=${id#*.}
    echo "${rest%%.*} $(get "$n" taskstate)"
    ;;
  "service ls")
    n=$(sed -n 's/.*id=id-\([^ ]*\).*/\1/p' <<<"$*")
    case $n in *_gateway | *_postgres) echo 1/1 ;; *) echo 2/2 ;; esac
    ;;
  "stack services")
    stack=$(last "$@")
    for d in "$F/svc/${stack}"_*; do [[ -d $d ]] && echo "${d##*/}"; done
    true
    ;;
  *) echo "fake docker: unexpected: $*" >&2; exit 2 ;;
esac
FAKEDOCKER
chmod +x "$FAKE/bin/docker"
check "the scripted docker CLI itself is shellcheck-clean" shellcheck "$FAKE/bin/docker"
# fake_deploy SCRIPT ARGS... runs a deploy script against the fake swarm.
fake_deploy() {
  env PATH="$FAKE/bin:$PATH" FAKE_STATE="$FAKE" REAL_DOCKER="$REAL_DOCKER" MINITWIT_ENV=/nonexistent \
    DEPLOY_HISTORY="$FAKE/history" DEPLOY_POLL_SECONDS=0 DEPLOY_TIMEOUT=20 REGISTRY=reg.test/mt "$@" \
    >>"$FAKE/out.log" 2>&1
}
fake_image() { cat "$FAKE/svc/minitwit_$1/image"; }
# calls_since N prints the docker calls after line N of the call log.
ncalls() { wc -l <"$FAKE/calls"; }
calls_since() { tail -n +$(($1 + 1)) "$FAKE/calls"; }

n0=$(ncalls)
check "deploy.sh v1 on an empty swarm: stack deployed, converged, exit 0" fake_deploy scripts/deploy.sh v1
check "deploy.sh v1: no migration update before the stack exists" \
  test "$(calls_since "$n0" | grep -c 'service update')" -eq 0
n1=$(ncalls)
check "deploy.sh v2 upgrade: exit 0" fake_deploy scripts/deploy.sh v2
# Captured once and searched with here-strings: under pipefail a "grep -q"
# that stops reading early would fail the pipeline by SIGPIPE at random.
v2_calls=$(calls_since "$n1")
first_update=$(grep -n 'service update' <<<"$v2_calls" | head -n1 | cut -d: -f1)
first_deploy=$(grep -n 'stack deploy' <<<"$v2_calls" | head -n1 | cut -d: -f1)
if [[ -n $first_update && -n $first_deploy ]] && ((first_update < first_deploy)) &&
  grep -q 'service update .*--image reg.test/mt/minitwit-follower:v2 minitwit_migrate' <<<"$v2_calls"; then
  pass "deploy.sh v2: migrate job re-run with reg.test/mt/minitwit-follower:v2 before docker stack deploy"
else
  fail "deploy.sh v2: no migrate job re-run before docker stack deploy"
fi
check "deploy.sh v2: every service runs v2" eq "$(fake_image web) $(fake_image api) $(fake_image gateway)" \
  "reg.test/mt/minitwit-web:v2 reg.test/mt/minitwit-api:v2 reg.test/mt/minitwit-gateway:v2"
n2=$(ncalls)
if fake_deploy env FAKE_FAIL_TAG=v3 scripts/deploy.sh v3; then
  fail "deploy.sh v3 whose web update Swarm rolls back exited 0"
else
  pass "deploy.sh v3 whose web update Swarm rolls back exits non-zero"
fi
check "deploy.sh v3: redeployed the whole stack at v2 afterwards" \
  eq "$(calls_since "$n2" | grep 'stack deploy' | cut -d' ' -f1 | tr '\n' ' ')" "TAG=v3 TAG=v2 "
check "deploy.sh v3: every service back on v2" eq "$(fake_image web) $(fake_image api) $(fake_image follower)" \
  "reg.test/mt/minitwit-web:v2 reg.test/mt/minitwit-api:v2 reg.test/mt/minitwit-follower:v2"
n3=$(ncalls)
if fake_deploy env FAKE_MIGRATE_FAIL=1 scripts/deploy.sh v4; then
  fail "deploy.sh v4 with a failing migration exited 0"
else
  pass "deploy.sh v4 with a failing migration exits non-zero"
fi
check "deploy.sh v4: services untouched after the failed migration" \
  eq "$(calls_since "$n3" | grep -c 'stack deploy') $(fake_image api)" "0 reg.test/mt/minitwit-api:v2"
n4=$(ncalls)
check "rollback.sh (no tag): exit 0" fake_deploy scripts/rollback.sh
check "rollback.sh: back to v1, the last good tag before the running v2, without migrating" \
  eq "$(fake_image web) $(calls_since "$n4" | grep -c 'service update')" "reg.test/mt/minitwit-web:v1 0"
check "deployment history records every outcome" \
  eq "$(cut -d' ' -f2- "$FAKE/history" | tr '\n' ';')" "v1 deployed;v2 deployed;v3 failed;v2 deployed;v4 migration-failed;v1 deployed;"

# --- the container entrypoint ---------------------------------------------------
log "container entrypoint against the local nginx"
ep=$WORK/entrypoint
mkdir -p "$ep"/{le,tls,run,acme}
chmod 0755 "$ep" "$ep/run"
EP_HTTP=$(free_port) EP_HTTPS=$(free_port)
GATEWAY_CONF=$ep/nginx.conf GATEWAY_TLS_DIR=$ep/tls GATEWAY_LIB=$PWD/gateway \
  GATEWAY_TEMPLATE=$PWD/gateway/templates/nginx.conf.template SERVER_NAME=minitwit.test \
  LE_CERT=$ep/le/fullchain.pem LE_KEY=$ep/le/privkey.pem CERT_CHECK_SECONDS=1 \
  LISTEN_HOST=127.0.0.1 HTTP_PORT=$EP_HTTP HTTPS_PORT=$EP_HTTPS PUBLIC_HTTPS_PORT=$EP_HTTPS \
  WEB_UPSTREAM=127.0.0.1:9 API_UPSTREAM=127.0.0.1:9 RUN_DIR=$ep/run ACCESS_LOG=$ep/access.log \
  ERROR_LOG=$ep/error.log ACME_ROOT=$ep/acme NGINX_USER=$NGINX_USER \
  gateway/docker-entrypoint.sh >"$ep/stdout.log" 2>&1 &
EP_PID=$!
served_subject() {
  openssl s_client -connect "127.0.0.1:$EP_HTTPS" -servername minitwit.test </dev/null 2>/dev/null |
    openssl x509 -noout -subject 2>/dev/null | sed 's/.*CN *= *//'
}
wait_subject() {
  local expected=$1
  for _ in $(seq 1 100); do
    [[ $(served_subject) == "$expected" ]] && return 0
    sleep 0.1
  done
  return 1
}
check "entrypoint serves a stand-in self-signed certificate before Let's Encrypt has issued one" wait_subject minitwit.test
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=issued.minitwit.test \
  -keyout "$ep/le/privkey.pem" -out "$ep/le/fullchain.pem" 2>/dev/null
check "entrypoint picks up the issued certificate and reloads nginx without a restart" wait_subject issued.minitwit.test
check "entrypoint kept the same nginx master (no restart)" kill -0 "$EP_PID"
ep_children=$(pgrep -P "$EP_PID" || true)
kill -QUIT "$EP_PID"
wait "$EP_PID" || true
EP_PID=''
sleep 2
left=0
for pid in $ep_children; do alive "$pid" && left=1; done
check "entrypoint's certificate watcher ends with nginx" test "$left" -eq 0

# --- end to end through gateway-local.sh ------------------------------------------
log "building services and replay tools"
(cd services && go build -o "$BIN/" minitwit/web/cmd/web minitwit/api/cmd/api minitwit/follower/cmd/follower \
  minitwit/minitwit/cmd/scenariogen minitwit/minitwit/cmd/replay)

STATE=$WORK/gateway
log "starting scripts/gateway-local.sh"
GATEWAY_STATE_DIR=$STATE BIN_DIR=$BIN ACCEPTED_IPS=127.0.0.1 scripts/gateway-local.sh >"$WORK/gateway-local.log" 2>&1 &
GWL_PID=$!
for _ in $(seq 1 1200); do
  [[ -f $STATE/ready ]] && break
  kill -0 "$GWL_PID" 2>/dev/null || { cat "$WORK/gateway-local.log" >&2; die "gateway-local.sh exited"; }
  sleep 0.1
done
[[ -f $STATE/ready ]] || die "gateway-local.sh not ready after 120 s"
# shellcheck disable=SC1091 # written by gateway-local.sh
source "$STATE/gateway-local.env"
HTTPS_PORT=${HTTPS_URL##*:}
pass "gateway-local.sh: $HTTPS_URL and $HTTP_URL up"
check "nginx -t on the configuration gateway-local.sh rendered" \
  nginx -t -q -p "$STATE/gw/" -c "$STATE/gw/nginx.conf" -e stderr

C=(curl -s --max-time 10 --cacert "$CA_CERT")
AUTH='Authorization: Basic c2ltdWxhdG9yOnN1cGVyX3NhZmUh'

# reconfigure KEY=VALUE... applies gateway settings through SIGHUP and waits
# for the reload.
reconfigure() {
  local before
  before=$(cat "$STATE/reloads" 2>/dev/null || echo 0)
  printf '%s\n' "$@" >"$STATE/gateway.env"
  kill -HUP "$GWL_PID"
  for _ in $(seq 1 100); do
    [[ $(cat "$STATE/reloads" 2>/dev/null || echo 0) -gt $before ]] && return 0
    sleep 0.1
  done
  die "gateway-local.sh did not reload"
}

# report_figures REPORT prints the replay's figures in one line.
report_figures() {
  jq -r '"\(.actions_sent) actions, \(.errors) errors, \(.actions_per_second) actions/s, " +
    (.per_action[] | select(.action == "all") | "p50 \(.p50_ms) ms, p99 \(.p99_ms) ms, max \(.max_ms) ms")' "$1"
}

log "replaying $ACTIONS generated actions over HTTPS through the gateway"
"$BIN/scenariogen" -users 300 -actions "$ACTIONS" -seed 7 -o "$WORK/scenario1.tsv"
if "$BIN/replay" -base "$HTTPS_URL/api" -insecure -fresh -progress 0 -report "$WORK/replay1.json" \
  "$WORK/scenario1.tsv" >"$WORK/replay1.out" 2>&1 &&
  [[ $(jq '.errors' "$WORK/replay1.json") == 0 && $(jq '.actions_sent' "$WORK/replay1.json") -ge 5000 ]]; then
  pass "scenario replay through the gateway over HTTPS: $(report_figures "$WORK/replay1.json")"
else
  fail "scenario replay through the gateway: $(tail -n 5 "$WORK/replay1.out")"
fi

# --- TLS, redirects, health ---------------------------------------------------------
log "TLS, redirects and headers"
check "TLS 1.2 accepted" "${C[@]}" -o /dev/null --tlsv1.2 --tls-max 1.2 "$HTTPS_URL/healthz"
check "TLS 1.3 accepted" "${C[@]}" -o /dev/null --tlsv1.3 "$HTTPS_URL/healthz"
tls11=$(openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' </dev/null 2>&1 || true)
if [[ $tls11 == *"alert protocol version"* || $tls11 == *"unsupported protocol"* ]] && [[ $tls11 != *"no protocols available"* ]]; then
  pass "TLS 1.1 refused by the server"
else
  fail "TLS 1.1 not refused as expected: $(grep -m2 -i 'error\|protocol' <<<"$tls11")"
fi
weak=$(openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -tls1_2 -cipher 'AES128-SHA:@SECLEVEL=0' </dev/null 2>&1 || true)
if [[ $weak == *"handshake failure"* ]]; then
  pass "a non-forward-secret CBC cipher (AES128-SHA) is refused"
else
  fail "AES128-SHA not refused: $(grep -m2 -i 'cipher\|error' <<<"$weak")"
fi
redirect=$(curl -s --max-time 10 -o /dev/null -w '%{http_code} %{redirect_url}' "$HTTP_URL/public?x=1")
check "HTTP -> HTTPS redirect (301 to $HTTPS_URL/public?x=1): got $redirect" \
  test "$redirect" == "301 $HTTPS_URL/public?x=1"
api_redirect=$(curl -s --max-time 10 -o /dev/null -w '%{http_code} %{redirect_url}' "$HTTP_URL/api/latest")
check "plain HTTP /api/ is redirected too, never proxied: got $api_redirect" test "$api_redirect" == "301 $HTTPS_URL/api/latest"
mkdir -p "$STATE/acme/.well-known/acme-challenge"
printf 'token-%s' "$$" >"$STATE/acme/.well-known/acme-challenge/tok-$$"
acme=$(curl -s --max-time 10 -w ' %{http_code}' "$HTTP_URL/.well-known/acme-challenge/tok-$$")
check "ACME challenge served over plain HTTP from the webroot (got $acme)" eq "$acme" "token-$$ 200"
check "gateway /healthz answers on HTTPS and HTTP" \
  has "$("${C[@]}" "$HTTPS_URL/healthz") $(curl -s "$HTTP_URL/healthz")" '{"status":"ok"} {"status":"ok"}'
check "stub_status on the unpublished status port" has "$(curl -s "$STATUS_URL")" "Active connections"

# headers URL [curl args] prints the response headers, lower-cased names.
headers() { "${C[@]}" -o /dev/null -D - "$@" | tr -d '\r' | sed 's/^\([^:]*\):/\L\1:/'; }
for url in "$HTTPS_URL/public" "$HTTPS_URL/api/latest" "$HTTPS_URL/nonexistent-user-$$"; do
  h=$(headers "$url")
  ok=1
  for want in 'strict-transport-security: max-age=63072000; includeSubDomains' 'content-security-policy: ' \
    'x-content-type-options: nosniff' 'referrer-policy: ' 'x-frame-options: DENY'; do
    grep -qF "$want" <<<"$h" || { ok=0 && echo "  missing: $want" >&2; }
  done
  grep -q "frame-ancestors 'none'" <<<"$h" || { ok=0 && echo "  CSP lacks frame-ancestors" >&2; }
  dup=$(grep -ci '^content-security-policy:' <<<"$h")
  ((dup == 1)) || { ok=0 && echo "  $dup CSP headers" >&2; }
  check "HSTS, CSP with frame-ancestors, nosniff, Referrer-Policy, X-Frame-Options once on ${url#"$HTTPS_URL"}" test "$ok" -eq 1
done
check "no nginx version in Server" eq "$(headers "$HTTPS_URL/healthz" | grep '^server:')" "server: nginx"

css=$("${C[@]}" "$HTTPS_URL/public" | grep -o '/static/[^"]*\.css[^"]*' | head -n1 || true)
check "gzip for HTML" has "$(headers -H 'Accept-Encoding: gzip' "$HTTPS_URL/public")" "content-encoding: gzip"
check "gzip for CSS ($css)" has "$(headers -H 'Accept-Encoding: gzip' "$HTTPS_URL${css:-/no-css-linked}")" "content-encoding: gzip"
check "gzip for JSON" has "$(headers -H 'Accept-Encoding: gzip' -H "$AUTH" "$HTTPS_URL/api/msgs?no=50")" "content-encoding: gzip"

# --- request ids and the access log ------------------------------------------------------
log "request ids and access log"
rid=$(headers -H 'X-Request-ID: gw-test-0042' "$HTTPS_URL/api/latest" | sed -n 's/^x-request-id: //p')
check "a client's X-Request-ID reaches the service unchanged (answered: $rid)" test "$rid" == gw-test-0042
gen=$(headers "$HTTPS_URL/public" | sed -n 's/^x-request-id: //p')
sleep 0.2
logged=$(jq -r --arg id "$gen" 'select(.request_id == $id) | .upstream_time' "$STATE/logs/gateway-access.log" | head -n1)
check "a request id generated by the gateway is the one the service used ($gen, upstream_time $logged)" \
  re "$gen $logged" '^[0-9a-f]{32} [0-9.]+$'
bad=$(headers -H 'X-Request-ID: bad id "with" quotes' "$HTTPS_URL/api/latest" | sed -n 's/^x-request-id: //p')
check "a malformed X-Request-ID is replaced (got $bad)" re "$bad" '^[0-9a-f]{32}$'
check "access log: every line is JSON with request_id, status, request_time, upstream_time" \
  jq -e -s 'length > 5000 and all(.request_id != "" and (.status | type) == "number" and (.request_time | type) == "number" and has("upstream_time"))' \
  "$STATE/logs/gateway-access.log"

# --- API paths with escapes ----------------------------------------------------------------
log "API path escapes"
name='Gate Way/ü%x?#'
enc='Gate%20Way%2F%C3%BC%25x%3F%23'
body=$(jq -nc --arg n "$name" '{username: $n, email: "gw@example.org", pwd: "p\"w\\[]"}')
check "register a user named '$name' through the gateway" eq "$("${C[@]}" -o /dev/null -w '%{http_code}' -X POST \
  -H 'Content-Type: application/json' -d "$body" "$HTTPS_URL/api/register")" 204
check "tweet as $enc (escaped space, slash, percent, ?, # and UTF-8 in the path)" \
  eq "$("${C[@]}" -o /dev/null -w '%{http_code}' -X POST -H "$AUTH" -H 'Content-Type: application/json' \
    -d '{"content":"through the gateway"}' "$HTTPS_URL/api/msgs/$enc")" 204
msgs=$("${C[@]}" -H "$AUTH" "$HTTPS_URL/api/msgs/$enc?no=5")
check "read it back: $msgs" eq "$(jq -c '[.[0].user, .[0].content]' <<<"$msgs")" "$(jq -nc --arg n "$name" '[$n, "through the gateway"]')"
check "/api/ reached through dot segments is refused, not guessed" \
  eq "$("${C[@]}" --path-as-is -o /dev/null -w '%{http_code}' -H "$AUTH" "$HTTPS_URL/x/../api/msgs")" 400

# --- web routes ------------------------------------------------------------------------------
log "web routes through the gateway"
jar=$WORK/cookies.txt
user="web gw $$"
# status_to [curl args] URL prints "status redirect-target".
status_to() { "${C[@]}" -o /dev/null -w '%{http_code} %{redirect_url}' "$@"; }
check "GET / signed out redirects to /public" eq "$(status_to "$HTTPS_URL/")" "302 $HTTPS_URL/public"
check "GET /public: 200 with title 'Public Timeline | MiniTwit'" \
  has "$("${C[@]}" "$HTTPS_URL/public")" "<title>Public Timeline | MiniTwit</title>"
check "POST /register (with the browser's Origin) redirects to /login" \
  eq "$(status_to -H "Origin: $HTTPS_URL" --data-urlencode "username=$user" --data-urlencode email=web@example.org \
    --data-urlencode password=pw --data-urlencode password2=pw "$HTTPS_URL/register")" "302 $HTTPS_URL/login"
login_headers=$(headers -c "$jar" -H "Origin: $HTTPS_URL" --data-urlencode "username=$user" --data-urlencode password=pw "$HTTPS_URL/login")
cookie=$(grep -i '^set-cookie:' <<<"$login_headers" | head -n1)
check "POST /login redirects to / and sets a Secure, HttpOnly, SameSite=Lax cookie: $cookie" \
  has "$login_headers $cookie" $'location: /\n' "; Secure" "; HttpOnly" "SameSite=Lax"
check "signed-in / shows My Timeline, the login flash and the message box" \
  has "$("${C[@]}" -b "$jar" "$HTTPS_URL/")" "<title>My Timeline | MiniTwit</title>" "You were logged in" "on your mind"
"${C[@]}" -o /dev/null -b "$jar" -H "Origin: $HTTPS_URL" --data-urlencode "text=hello from the gateway $$" "$HTTPS_URL/add_message"
check "POST /add_message through the gateway lands on the public timeline" \
  has "$("${C[@]}" "$HTTPS_URL/public")" "hello from the gateway $$"
check "a POST with a foreign Origin is refused by the web service behind the gateway" \
  eq "$(status_to -b "$jar" -H "Origin: https://evil.example" --data-urlencode text=x "$HTTPS_URL/add_message")" "403 "
check "GET /logout redirects to /public" eq "$(status_to -b "$jar" "$HTTPS_URL/logout")" "302 $HTTPS_URL/public"

# --- the follower is internal --------------------------------------------------------------------
log "follower reachability"
direct=$(curl -s --max-time 5 -w ' %{http_code}' "$DIRECT_FOLLOWER_URL/v1/following?who=$(jq -rn --arg u "$user" '$u|@uri')&limit=10")
if [[ $direct == *" 200" ]]; then
  pass "baseline: the follower answers /v1/following directly ($direct)"
  leaked=0
  for path in "/v1/following?who=x&limit=10" "/api/v1/following?who=x&limit=10" "/api/../v1/following?who=x&limit=10" \
    "/%2e%2e/v1/following?who=x&limit=10" "/v1/is-following?who=x&whom=y"; do
    got=$("${C[@]}" --path-as-is -H "$AUTH" -w ' %{http_code}' "$HTTPS_URL$path")
    if [[ $got == *" 200" || $got == *'"following"'* ]]; then
      leaked=1
      echo "  $path -> $got" >&2
    fi
  done
  check "no follower route is reachable through the gateway (5 paths)" test "$leaked" -eq 0
  check "the rendered gateway configuration never names the follower's port" \
    test "$(grep -c ":${DIRECT_FOLLOWER_URL##*:}" "$STATE/gw/nginx.conf")" -eq 0
else
  fail "the follower does not answer /v1/following directly: $direct"
fi

# --- ACCEPTED_IPS ----------------------------------------------------------------------------------
log "ACCEPTED_IPS and trusted proxies"
FORBIDDEN='{"status": 403, "error_msg": "You are not authorized to use this resource!"}'
# api_status [curl args] prints "status content-type body" of GET /api/latest.
api_status() { "${C[@]}" -w ' %{http_code} %{content_type}' "$@" "$HTTPS_URL/api/latest"; }
check "ACCEPTED_IPS=127.0.0.1: allowed" has "$(api_status)" " 200 application/json"
check "ACCEPTED_IPS=127.0.0.1: a client's X-Forwarded-For does not change who it is" \
  has "$(api_status -H "X-Forwarded-For: 10.9.9.9")" " 200 "
reconfigure ACCEPTED_IPS=10.0.0.1
for spoof in '' 'X-Forwarded-For: 10.0.0.1' 'X-Real-IP: 10.0.0.1' 'X-Forwarded-For: 127.0.0.1' 'Forwarded: for=10.0.0.1'; do
  args=()
  [[ -n $spoof ]] && args=(-H "$spoof")
  got=$(api_status "${args[@]}")
  check "ACCEPTED_IPS=10.0.0.1: refused with the API's JSON 403${spoof:+ despite $spoof}" \
    test "$got" == "$FORBIDDEN 403 application/json"
done
check "ACCEPTED_IPS=10.0.0.1: web pages are not restricted" eq "$(status_to "$HTTPS_URL/public")" "200 "
reconfigure ACCEPTED_IPS=10.0.0.1 TRUSTED_PROXIES=127.0.0.1
check "trusted proxy 127.0.0.1 naming client 10.0.0.1: allowed" has "$(api_status -H "X-Forwarded-For: 10.0.0.1")" " 200 "
check "trusted proxy naming 192.168.1.1 after a forged 10.0.0.1: refused" \
  has "$(api_status -H "X-Forwarded-For: 10.0.0.1, 192.168.1.1")" " 403 "
check "trusted proxy without X-Forwarded-For: refused (the proxy itself is not a client)" has "$(api_status)" " 403 "
reconfigure "ACCEPTED_IPS=192.0.2.0/24, 127.0.0.0/8"
check "ACCEPTED_IPS with CIDR blocks: 127.0.0.0/8 allowed" has "$(api_status)" " 200 "
reconfigure 'ACCEPTED_IPS=*'
check "ACCEPTED_IPS=*: allowed" has "$(api_status -H "X-Forwarded-For: 10.9.9.9")" " 200 "
reconfigure ACCEPTED_IPS=127.0.0.1

# --- rate limit -----------------------------------------------------------------------------------
log "rate limits"
codes=()
for _ in $(seq 1 40); do
  codes+=("$("${C[@]}" -o /dev/null -w '%{http_code}' --data-urlencode username=nobody-$$ --data-urlencode password=x "$HTTPS_URL/login")")
done
limited=$(printf '%s\n' "${codes[@]}" | grep -c '^429$' || true)
early=$(printf '%s\n' "${codes[@]:0:15}" | grep -c '^429$' || true)
check "POST /login: 40 rapid attempts from one address, first 15 served ($early of them 429), $limited answered 429" \
  eq "$early $((limited >= 10))" "0 1"
check "GET /login is not rate limited" eq "$(status_to "$HTTPS_URL/login")" "200 "
api_codes=$(for _ in $(seq 1 40); do
  "${C[@]}" -o /dev/null -w '%{http_code}\n' -X POST -H 'Content-Type: application/json' -d '{}' "$HTTPS_URL/api/register"
done | sort | uniq -c | tr -s ' ' | tr '\n' ';')
check "POST /api/register is never rate limited (40 rapid: $api_codes)" eq "$api_codes" " 40 400;"

# --- rolling restart drill -------------------------------------------------------------------------
log "rolling-restart drill under load"
"$BIN/scenariogen" -users 200 -actions "$ACTIONS" -seed 8 -first-id 1000001 -o "$WORK/scenario2.tsv"
"$BIN/replay" -base "$HTTPS_URL/api" -insecure -progress 0 -report "$WORK/replay2.json" \
  "$WORK/scenario2.tsv" >"$WORK/replay2.out" 2>&1 &
REPLAY_PID=$!
BG_PIDS+=("$REPLAY_PID")
sleep 2
# Web traffic at the same time (about ten pages a second), so the web
# replacement is exercised too.
(
  while [[ ! -f $STATE/roll.done ]]; do
    "${C[@]}" -o /dev/null -w '%{http_code}\n' "$HTTPS_URL/public" || echo 000
    sleep 0.1
  done
) >"$WORK/web-during-drill.txt" &
WEBLOAD_PID=$!
BG_PIDS+=("$WEBLOAD_PID")
sleep 1
kill -USR1 "$GWL_PID"
for _ in $(seq 1 600); do
  [[ -f $STATE/roll.done ]] && break
  sleep 0.1
done
overlap=0
kill -0 "$REPLAY_PID" 2>/dev/null && overlap=1
wait "$WEBLOAD_PID" || true
replay_rc=0
wait "$REPLAY_PID" || replay_rc=$?
BG_PIDS=()
roll=$(cat "$STATE/roll.done" 2>/dev/null || echo missing)
replaced=$(grep -c 'exited with status 0' "$STATE/roll.log" 2>/dev/null || true)
check "drill: follower, api and web each replaced start-first, old processes exited cleanly ($roll, $replaced of 3)" \
  eq "$roll $replaced" "ok 3"
check "drill: the replay was still running when the last replacement finished" test "$overlap" -eq 1
if ((replay_rc == 0)) && [[ $(jq '.errors' "$WORK/replay2.json") == 0 ]]; then
  pass "drill: replay during the rolling restart: $(report_figures "$WORK/replay2.json")"
else
  fail "drill: replay during the rolling restart: $(grep -m5 'ERROR\|FAIL' "$WORK/replay2.out")"
fi
web_total=$(wc -l <"$WORK/web-during-drill.txt")
web_bad=$(grep -vc '^200$' "$WORK/web-during-drill.txt" || true)
check "drill: $web_total web requests during the restart, $web_bad not 200" eq "$((web_total > 10)) $web_bad" "1 0"
sed 's/^/  /' "$STATE/roll.log"

fivexx=$(jq -s '[.[] | select(.status >= 500)] | length' "$STATE/logs/gateway-access.log")
total=$(wc -l <"$STATE/logs/gateway-access.log")
check "gateway access log: $total requests, $fivexx answered 5xx" test "$fivexx" -eq 0

# --- shutdown ----------------------------------------------------------------------------------------
kill -TERM "$GWL_PID"
gwl_rc=0
wait "$GWL_PID" || gwl_rc=$?
GWL_PID=''
# shellcheck disable=SC1091 # rewritten by the drill with the new pids
source "$STATE/gateway-local.env"
left=0
for pid in "$GATEWAY_PID" "$WEB_PID" "$API_PID" "$FOLLOWER_PID"; do alive "$pid" && left=1; done
check "gateway-local.sh stops everything on SIGTERM (status $gwl_rc)" test "$left" -eq 0

if ((FAILS)); then
  echo "FAIL: $FAILS gateway checks failed"
  exit 1
fi
echo "PASS: all gateway checks"
