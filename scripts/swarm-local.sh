#!/usr/bin/env bash
# swarm-local.sh up|down|status runs MiniTwit's production stack
# (stack/minitwit.yml with stack/monitoring.yml and stack/backup.yml) on a
# one-node Docker Swarm on this machine, built from the repository's own
# Dockerfiles, at https://127.0.0.1 (self-signed certificate).
#
#   up      starts a private dockerd (scripts/swarm-local/lib.sh), makes or
#           loads the base-image stand-ins (scripts/swarm-local/bases.sh),
#           builds the images with scripts/build-images.sh, initialises the
#           swarm on 127.0.0.1, creates the secrets and the database's CA
#           and certificate (scripts/db-tls.sh) and deploys with
#           scripts/deploy.sh; prints the URL and returns, the stack running
#   down    removes the stack, the swarm, the dockerd and everything they
#           left on the host; only the cached stand-ins stay (SWARM_CACHE)
#   status  the stack's services and the URL
#   build   (for tests) only the dockerd, the stand-ins and TAG's images
#   env     (for tests) the environment deploy.sh and rollback.sh need here
#
# Settings (environment): TAG (image tag, default "local"),
# HTTPS_PORT/HTTP_PORT (default 443/80, published on 127.0.0.1
# only), SKIP_BUILD=1 (images of TAG already built), WEB_REPLICAS,
# API_REPLICAS, FOLLOWER_REPLICAS (default 2). The local-only differences
# from a production Swarm are listed in docs/deployment.md.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/swarm-local/lib.sh
source "$ROOT/scripts/swarm-local/lib.sh"
# shellcheck source=scripts/swarm-local/stack-setup.sh
source "$ROOT/scripts/swarm-local/stack-setup.sh"

TAG=${TAG:-local}
HTTPS_PORT=${HTTPS_PORT:-443}
HTTP_PORT=${HTTP_PORT:-80}
export HTTPS_PORT HTTP_PORT

# swarm_env exports what scripts/deploy.sh and the stack files need here.
swarm_env() {
  local bases
  bases=${1:-$SWARM_STATE/bases.env}
  set -a
  # shellcheck disable=SC1090 # written by bases.sh
  source "$bases"
  set +a
  export PATH="$SWARM_BIN:$PATH"
  # Everyone may use /api/ on purpose: the gateway is published on
  # 127.0.0.1 only, and sees those clients by docker_gwbridge's address.
  export TAG DOMAIN=localhost ACCEPTED_IPS='*' ALLOW_ANY_CLIENT=1
  # The stack CA and PostgreSQL's certificate (scripts/db-tls.sh, made by up).
  export DB_TLS_DIR=$SWARM_STATE/db-tls
  export LETSENCRYPT_DIR=$SWARM_STATE/letsencrypt ACME_WEBROOT=$SWARM_STATE/acme
  export MINITWIT_ENV=$SWARM_STATE/minitwit.env DEPLOY_HISTORY=$SWARM_STATE/deploy-history
  export DEPLOY_RESOLVE_IMAGE=never DEPLOY_POLL_SECONDS=${DEPLOY_POLL_SECONDS:-2}
  export LOCAL_TEMPLATE_FILE=$SWARM_STATE/gateway-local.conf.template
  export STACK_EXTRA_FILES=$ROOT/scripts/swarm-local/stack.local.yml
  [[ -f $LOCAL_TEMPLATE_FILE ]] || "$ROOT/scripts/swarm-local/gateway-template.sh" "$LOCAL_TEMPLATE_FILE"
  LOCAL_TEMPLATE_VERSION=$(sha1sum <"$LOCAL_TEMPLATE_FILE" | cut -c1-12)
  export LOCAL_TEMPLATE_VERSION
}

swarm_init() {
  if [[ $(dk info --format '{{.Swarm.LocalNodeState}}') == active ]]; then
    return 0
  fi
  # The gateway's host-mode ports are bound through docker_gwbridge: made
  # before `swarm init`, it publishes them on 127.0.0.1 only.
  if ! dk network inspect docker_gwbridge >/dev/null 2>&1; then
    dk network create --driver bridge \
      -o com.docker.network.bridge.name=docker_gwbridge \
      -o com.docker.network.bridge.enable_icc=false \
      -o com.docker.network.bridge.enable_ip_masquerade=true \
      -o com.docker.network.bridge.host_binding_ipv4=127.0.0.1 \
      docker_gwbridge >/dev/null
  fi
  swarm_log "docker swarm init on 127.0.0.1"
  dk swarm init --advertise-addr 127.0.0.1 --listen-addr 127.0.0.1:2377 >/dev/null
  local node
  node=$(dk info --format '{{.Swarm.NodeID}}')
  dk node update --label-add minitwit.edge=true --label-add minitwit.db=true "$node" >/dev/null
}

build() {
  local bases=$SWARM_STATE/bases.env
  "$ROOT/scripts/swarm-local/bases.sh" >"$bases.new"
  mv "$bases.new" "$bases"
  if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    swarm_env "$bases"
    swarm_log "building the images with scripts/build-images.sh $TAG"
    DOCKER=$DOCKER_CLI BUILD_ARGS="--build-arg GO_IMAGE=$GO_IMAGE --build-arg RUNTIME_IMAGE=$RUNTIME_IMAGE --build-arg NGINX_IMAGE=$NGINX_IMAGE" \
      "$ROOT/scripts/build-images.sh" "$TAG"
  fi
}

# pg_exporter_role gives the postgres exporter its login (nothing to do
# while PostgreSQL is not running).
pg_exporter_role() {
  local c
  c=$(stack_postgres dk) || return 0
  stack_exporter_role "$SWARM_STATE/secrets/postgres_exporter_password" "$c" dk
}

up() {
  stack_need_tools swarm_die
  local started=$SECONDS
  mkdir -p "$SWARM_STATE"
  dockerd_start
  ln -sf "$(deploy_cli)" "$SWARM_BIN/docker"
  build
  swarm_init
  stack_secrets "$SWARM_STATE/secrets" dk
  "$ROOT/scripts/db-tls.sh" "$SWARM_STATE/db-tls" >/dev/null
  mkdir -p "$SWARM_STATE/letsencrypt" "$SWARM_STATE/acme"
  : >"$SWARM_STATE/minitwit.env"
  "$ROOT/scripts/swarm-local/gateway-template.sh" "$SWARM_STATE/gateway-local.conf.template"
  swarm_env
  swarm_log "deploying $TAG with scripts/deploy.sh"
  "$ROOT/scripts/deploy.sh" "$TAG"
  pg_exporter_role || swarm_log "warning: could not create the postgres_exporter role"
  swarm_log "up in $((SECONDS - started)) s"
  echo "https://127.0.0.1$([[ $HTTPS_PORT == 443 ]] || echo ":$HTTPS_PORT")/"
}

down() {
  if dockerd_running; then
    swarm_log "removing the stack and the swarm"
    dk stack rm "$STACK_NAME" >/dev/null 2>&1 || true
    dk swarm leave --force >/dev/null 2>&1 || true
    # Containers go with the daemon; stop them cleanly first.
    local ids
    ids=$(dk ps -aq 2>/dev/null || true)
    # shellcheck disable=SC2086 # a list of ids
    [[ -z $ids ]] || dk rm -f $ids >/dev/null 2>&1 || true
  fi
  dockerd_stop
  host_cleanup
  rm -rf "$SWARM_STATE" "$SWARM_RUN"
  swarm_log "down: stack, swarm, dockerd and their host state removed (cache kept in $SWARM_CACHE)"
}

status() {
  if ! dockerd_running; then
    echo "not running"
    return 1
  fi
  dk stack services "$STACK_NAME" 2>/dev/null || true
  echo "https://127.0.0.1$([[ $HTTPS_PORT == 443 ]] || echo ":$HTTPS_PORT")/"
}

case ${1:-} in
  up) up ;;
  build)
    # For the tests: the private dockerd, the stand-ins and TAG's images only.
    stack_need_tools swarm_die
    mkdir -p "$SWARM_STATE"
    dockerd_start
    ln -sf "$(deploy_cli)" "$SWARM_BIN/docker"
    build
    ;;
  down) down ;;
  status) status ;;
  env)
    # For the tests: the environment deploy.sh and rollback.sh need here.
    swarm_env
    env | grep -E '^(PATH|DOCKER_HOST|DOCKER_BUILDKIT|TAG|DOMAIN|ACCEPTED_IPS|ALLOW_ANY_CLIENT|DB_TLS_DIR|LETSENCRYPT_DIR|ACME_WEBROOT|MINITWIT_ENV|DEPLOY_HISTORY|DEPLOY_RESOLVE_IMAGE|DEPLOY_POLL_SECONDS|HTTPS?_PORT|PROMETHEUS_PORT|ALERTMANAGER_PORT|LOCAL_[A-Z_]*|STACK_[A-Z_]*|[A-Z]*_IMAGE)='
    ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
