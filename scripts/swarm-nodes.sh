#!/usr/bin/env bash
# swarm-nodes.sh up|down|status rehearses a three-node Docker Swarm on this
# one machine (docs/infrastructure.md, "Three-node rehearsal on one machine"):
# the production stack (stack/minitwit.yml, monitoring.yml, backup.yml with
# the local overrides of scripts/swarm-local/stack.local.yml) across a
# manager and two workers.
#
#   up      makes three network namespaces (manager, worker1, worker2) on a
#           private bridge (10.77.0.0/24) and a public one (10.78.0.0/24)
#           with an "outside" namespace on the public side only
#           (scripts/swarm-nodes/net.sh); starts a containerd and a dockerd
#           in each (scripts/swarm-nodes/daemon.sh); provisions each with
#           stack/infra/node/provision.sh, the script cloud-init runs
#           (firewall included, the Swarm joined by private addresses);
#           builds the images once on a builder dockerd (bases.sh of the
#           one-node swarm and its cache, scripts/build-images.sh) and copies
#           them to the nodes with docker save | docker load; deploys with
#           scripts/deploy.sh; prints the time to converge. The database is
#           on the manager (minitwit.db), the gateway on worker2
#           (minitwit.edge, https://10.78.0.13 from the outside namespace)
#   down    removes everything: stack, daemons, their processes and cgroups,
#           namespaces, bridges, the nft tables and Docker's iptables rules
#           in them, state and run directories; also after a failed up.
#           Only the caches stay: the base images (SWARM_CACHE) and the
#           builder's data root (NODES_CACHE)
#   status  the nodes, the stack's services and where their tasks run
#   env     (for tests) the environment deploy.sh needs on the manager
#
# Settings (environment): TAG (default "local"), SKIP_BUILD=1 (TAG's images
# are already on every node), WEB_REPLICAS, API_REPLICAS, FOLLOWER_REPLICAS
# (default 3: one per node), NODES_STATE (/var/lib/minitwit-nodes),
# NODES_RUN (/run/minitwit-nodes), NODES_CACHE (/var/cache/minitwit-nodes),
# SWARM_CACHE (/var/cache/minitwit-swarm,
# shared with swarm-local.sh). Nothing it makes is in the host's own network
# namespace, so it can run beside swarm-local.sh.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HERE=$ROOT/scripts/swarm-nodes
# shellcheck source=scripts/swarm-nodes/net.sh
source "$HERE/net.sh"
# shellcheck source=scripts/swarm-nodes/daemon.sh
source "$HERE/daemon.sh"
# shellcheck source=scripts/swarm-local/stack-setup.sh
source "$ROOT/scripts/swarm-local/stack-setup.sh"

TAG=${TAG:-local}
STACK_NAME=${STACK_NAME:-minitwit}
export WEB_REPLICAS=${WEB_REPLICAS:-3} API_REPLICAS=${API_REPLICAS:-3} FOLLOWER_REPLICAS=${FOLLOWER_REPLICAS:-3}
MANAGER_SOCK=$(node_sock manager)

nodes_log() { printf '%s swarm-nodes: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
nodes_die() { nodes_log "error: $*"; exit 1; }

# provision NODE runs stack/infra/node/provision.sh inside NODE's namespace,
# as cloud-init runs it on a droplet (INSTALL_DOCKER=0: the node's dockerd
# already runs; the ruleset is persisted under the node's state directory).
provision() {
  local node=$1 role=worker
  [[ $node == manager ]] && role=manager
  in_ns "$node" env \
    NODE_ROLE=$role PRIVATE_ADDR="${PRIVATE_ADDRS[$node]}" PRIVATE_CIDR=$PRIVATE_CIDR \
    ADMIN_CIDR='' MANAGER_ADDR="${PRIVATE_ADDRS[manager]}" NODE_LABELS="${LABELS_OF[$node]}" \
    JOIN_TOKEN_FILE="$NODES_STATE/worker-token" WORKER_TOKEN_FILE="$NODES_STATE/worker-token" \
    INSTALL_DOCKER=0 NFT_CONF="$NODES_STATE/$node/nftables.conf" \
    DOCKER_HOST="unix://$(node_sock "$node")" \
    "$ROOT/stack/infra/node/provision.sh"
}

# label_workers applies, from the manager, the labels a worker cannot give
# itself (provision.sh prints the command for them).
label_workers() {
  local node id l args
  for node in worker1 worker2; do
    args=()
    for l in ${LABELS_OF[$node]}; do args+=(--label-add "$l"); done
    ((${#args[@]})) || continue
    id=$(dkn "$node" info --format '{{.Swarm.NodeID}}')
    dkn manager node update "${args[@]}" "$id" >/dev/null
  done
}

# build_images makes the base stand-ins (bases.sh, from SWARM_CACHE) and
# TAG's images once, on a builder dockerd: the nodes, like droplets without
# a registry, have no way to the Go module proxy, and the builder's builds
# use the host's network (--network host) without changing it.
build_images() {
  local bases=$NODES_STATE/bases.env
  node_start builder
  SWARM_RUN=$NODES_RUN/builder SWARM_STATE=$NODES_CACHE/builder "$ROOT/scripts/swarm-local/bases.sh" >"$bases.new"
  mv "$bases.new" "$bases"
  load_bases_env
  nodes_log "building the images with scripts/build-images.sh $TAG"
  DOCKER_HOST=unix://$(node_sock builder) DOCKER_BUILDKIT=1 DOCKER=$DOCKER_CLI \
    BUILD_ARGS="--network host --build-arg GO_IMAGE=$GO_IMAGE --build-arg RUNTIME_IMAGE=$RUNTIME_IMAGE --build-arg NGINX_IMAGE=$NGINX_IMAGE" \
    "$ROOT/scripts/build-images.sh" "$TAG"
  # Earlier builds' images, now untagged.
  dkn builder image prune -f >/dev/null
}

load_bases_env() {
  set -a
  # shellcheck disable=SC1091 # written by bases.sh
  source "$NODES_STATE/bases.env"
  set +a
}

# copy_images gives every node the images its tasks may run, saved once on
# the builder and loaded into the nodes at once (no registry here):
# PostgreSQL's only where the database runs. Then the builder stops.
copy_images() {
  load_bases_env
  local refs=() svc node pids=() stale=0 r tar=$NODES_STATE/images.tar dbtar=$NODES_STATE/postgres.tar
  for svc in gateway web api follower; do refs+=("minitwit/minitwit-$svc:$TAG"); done
  refs+=("$MONITOR_IMAGE")
  for node in "${NODES[@]}"; do
    for r in "${refs[@]}"; do
      dkn "$node" image inspect "$r" >/dev/null 2>&1 || stale=1
    done
  done
  dkn manager image inspect "$POSTGRES_IMAGE" >/dev/null 2>&1 || stale=1
  if ((stale)); then
    nodes_log "copying the images to the nodes (docker save | docker load)"
    dkn builder save -o "$tar" "${refs[@]}" &
    dkn builder save -o "$dbtar" "$POSTGRES_IMAGE" &
    wait_all "docker save"
    for node in "${NODES[@]}"; do
      dkn "$node" load -q -i "$tar" >/dev/null &
      pids+=($!)
    done
    dkn manager load -q -i "$dbtar" >/dev/null &
    pids+=($!)
    for p in "${pids[@]}"; do wait "$p" || nodes_die "docker load on a node failed"; done
    rm -f "$tar" "$dbtar"
  fi
  node_stop builder
}

# deploy_env exports what scripts/deploy.sh and the stack files need.
deploy_env() {
  load_bases_env
  export PATH="$NODES_STATE/bin:$PATH" DOCKER_HOST=unix://$MANAGER_SOCK DOCKER_BUILDKIT=1
  # Everyone may use /api/ on purpose: the only clients are in this
  # machine's own "outside" namespace.
  export TAG STACK_NAME DOMAIN=localhost ACCEPTED_IPS='*' ALLOW_ANY_CLIENT=1 HTTP_PORT=80 HTTPS_PORT=443
  # The stack CA and PostgreSQL's certificate (scripts/db-tls.sh, made by up).
  export DB_TLS_DIR=$NODES_STATE/db-tls
  export LETSENCRYPT_DIR=$NODES_STATE/letsencrypt ACME_WEBROOT=$NODES_STATE/acme
  export MINITWIT_ENV=$NODES_STATE/minitwit.env DEPLOY_HISTORY=$NODES_STATE/deploy-history
  export DEPLOY_RESOLVE_IMAGE=never DEPLOY_POLL_SECONDS=${DEPLOY_POLL_SECONDS:-2}
  export LOCAL_TEMPLATE_FILE=$NODES_STATE/gateway-local.conf.template
  export STACK_EXTRA_FILES=$ROOT/scripts/swarm-local/stack.local.yml
  [[ -f $LOCAL_TEMPLATE_FILE ]] || "$ROOT/scripts/swarm-local/gateway-template.sh" "$LOCAL_TEMPLATE_FILE"
  LOCAL_TEMPLATE_VERSION=$(sha1sum <"$LOCAL_TEMPLATE_FILE" | cut -c1-12)
  export LOCAL_TEMPLATE_VERSION
}

# pg_exporter_role gives the postgres exporter its login; PostgreSQL runs on
# the manager.
pg_exporter_role() {
  local c
  c=$(stack_postgres dkn manager) || return 1
  stack_exporter_role "$NODES_STATE/secrets/postgres_exporter_password" "$c" dkn manager
}

up() {
  stack_need_tools nodes_die
  local started=$SECONDS t node
  # A crashed earlier run: start from nothing.
  if [[ -d $NODES_STATE && ! -f $NODES_STATE/up.ok ]] && ! node_answers manager; then
    down
  fi
  mkdir -p "$NODES_STATE/bin" "$NODES_RUN" "$NODES_STATE/letsencrypt" "$NODES_STATE/acme"
  ln -sf "$(deploy_cli)" "$NODES_STATE/bin/docker"
  net_up
  for node in "${NODES[@]}"; do node_start "$node" & done
  wait_all "starting the daemons"
  t=$SECONDS
  provision manager
  for node in worker1 worker2; do provision "$node" & done
  wait_all "provisioning the workers"
  label_workers
  nodes_log "swarm of ${#NODES[@]} nodes provisioned in $((SECONDS - t)) s"
  t=$SECONDS
  if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    build_images
  fi
  copy_images
  nodes_log "images ready on every node in $((SECONDS - t)) s"
  stack_secrets "$NODES_STATE/secrets" dkn manager
  "$ROOT/scripts/db-tls.sh" "$NODES_STATE/db-tls" >/dev/null
  : >"$NODES_STATE/minitwit.env"
  "$ROOT/scripts/swarm-local/gateway-template.sh" "$NODES_STATE/gateway-local.conf.template"
  t=$SECONDS
  (
    deploy_env
    nodes_log "deploying $TAG with scripts/deploy.sh"
    "$ROOT/scripts/deploy.sh" "$TAG"
  )
  local deployed=$((SECONDS - t))
  pg_exporter_role || nodes_log "warning: could not create the postgres_exporter role"
  touch "$NODES_STATE/up.ok"
  nodes_log "deploy.sh converged in $deployed s; up in $((SECONDS - started)) s"
  echo "converged: deploy ${deployed}s total $((SECONDS - started))s"
  echo "https://${PUBLIC_ADDRS[worker2]}/ (from namespace $(ns outside))"
}

# wait_all WHAT waits for every background job; one failure fails up.
wait_all() {
  local p failed=0
  for p in $(jobs -p); do wait "$p" || failed=1; done
  ((failed == 0)) || nodes_die "$1 failed"
}

down() {
  local node
  for node in worker2 worker1 manager; do
    if node_answers "$node"; then
      # Containers first, so their processes end cleanly with the daemon.
      local ids
      ids=$(dkn "$node" ps -aq 2>/dev/null || true)
      # shellcheck disable=SC2086 # a list of ids
      [[ -z $ids ]] || dkn "$node" rm -f $ids >/dev/null 2>&1 || true
      dkn "$node" swarm leave --force >/dev/null 2>&1 || true
    fi
  done
  for node in "${NODES[@]}" builder; do node_stop "$node" & done
  wait || true
  net_down
  # Mounts can only be in the daemons' own mount namespaces, gone with
  # them; a stale one in the host's would stop rm.
  awk -v a="$NODES_STATE/" -v b="$NODES_RUN/" 'index($2, a) == 1 || index($2, b) == 1 {print $2}' /proc/self/mounts |
    sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$NODES_STATE" "$NODES_RUN"
  rm -rf "${NODES_RUN:?}/builder"
  nodes_log "down: namespaces, bridges, daemons, firewalls and state removed (caches kept: ${SWARM_CACHE:-/var/cache/minitwit-swarm}, $NODES_CACHE)"
}

status() {
  local node
  for node in "${NODES[@]}"; do
    if node_answers "$node"; then
      echo "$node: dockerd up, swarm $(dkn "$node" info --format '{{.Swarm.LocalNodeState}}')"
    else
      echo "$node: not running"
    fi
  done
  node_answers manager || return 1
  dkn manager node ls
  dkn manager stack services "$STACK_NAME" 2>/dev/null || true
  dkn manager stack ps --filter desired-state=running --format '{{.Name}} {{.Node}} {{.CurrentState}}' "$STACK_NAME" 2>/dev/null || true
}

case ${1:-} in
  up) up ;;
  down) down ;;
  status) status ;;
  env)
    deploy_env
    env | grep -E '^(PATH|DOCKER_HOST|DOCKER_BUILDKIT|TAG|DOMAIN|ACCEPTED_IPS|ALLOW_ANY_CLIENT|DB_TLS_DIR|LETSENCRYPT_DIR|ACME_WEBROOT|MINITWIT_ENV|DEPLOY_HISTORY|DEPLOY_RESOLVE_IMAGE|DEPLOY_POLL_SECONDS|HTTPS?_PORT|LOCAL_[A-Z_]*|STACK_[A-Z_]*|[A-Z]*_REPLICAS|[A-Z]*_IMAGE)='
    ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
