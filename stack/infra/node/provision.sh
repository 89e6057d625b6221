#!/usr/bin/env bash
# provision.sh makes a fresh Debian 12 machine a MiniTwit Swarm node: Docker,
# an enabled nftables firewall, and the node in the Swarm, always addressed
# by its PRIVATE address. Run as root; idempotent (a second run changes
# nothing). Terraform's cloud-init runs this exact file on every droplet;
# scripts/swarm-nodes.sh runs it in each network namespace of the three-node
# rehearsal (docs/infrastructure.md).
#
# Settings (environment):
#   NODE_ROLE        manager | worker
#   PRIVATE_ADDR     this node's address on the private network
#   PRIVATE_CIDR     the private network, e.g. 10.10.0.0/16
#   ADMIN_CIDR       SSH (tcp 22) is allowed from here; empty: no SSH at all
#   MANAGER_ADDR     the manager's private address (workers)
#   JOIN_TOKEN       the Swarm's worker join token (workers), or
#   JOIN_TOKEN_FILE  a file holding it. A worker without either gets its
#                    firewall and Docker and stays out of the Swarm until
#                    run again with one (Terraform's join-worker.sh does)
#   NODE_LABELS      space-separated k=v node labels, e.g. "minitwit.db=true".
#                    The manager applies its own at init; a worker cannot
#                    label itself, so it prints the command the manager runs
#   WORKER_TOKEN_FILE (manager) if set, the worker join token is written
#                    there (mode 0600); by default it is in no file
#   PUBLIC_PORTS     tcp ports open to everyone (default "80 443")
#   INSTALL_DOCKER   1 (default): apt-get install docker.io when dockerd is
#                    missing; 0: a dockerd is already running (the rehearsal)
#   NFT_CONF         the persisted ruleset (default /etc/nftables.conf)
#   DOCKER_HOST      honoured by every docker call
#
# The firewall (table inet minitwit): input policy drop; loopback,
# established/related and ICMP allowed; PUBLIC_PORTS from anywhere; 22 from
# ADMIN_CIDR; 2377/tcp, 7946/tcp+udp, 4789/udp and ESP from PRIVATE_CIDR
# only; nothing else, the database port included. Docker's published ports
# are DNATed before the input hook ever sees them, so a forward chain drops
# new DNATed connections from outside PRIVATE_CIDR unless they were made to
# a PUBLIC_PORT: a port published by mistake stays closed to the internet.
set -euo pipefail

log() { printf '%s provision: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

NODE_ROLE=${NODE_ROLE:-}
PRIVATE_ADDR=${PRIVATE_ADDR:-}
PRIVATE_CIDR=${PRIVATE_CIDR:-}
ADMIN_CIDR=${ADMIN_CIDR:-}
MANAGER_ADDR=${MANAGER_ADDR:-}
NODE_LABELS=${NODE_LABELS:-}
PUBLIC_PORTS=${PUBLIC_PORTS:-80 443}
INSTALL_DOCKER=${INSTALL_DOCKER:-1}
NFT_CONF=${NFT_CONF:-/etc/nftables.conf}
WORKER_TOKEN_FILE=${WORKER_TOKEN_FILE:-}

ipv4_re='^([0-9]{1,3}\.){3}[0-9]{1,3}$'
cidr_re='^([0-9]{1,3}\.){3}[0-9]{1,3}/[0-9]{1,2}$'

check_settings() {
  [[ $NODE_ROLE == manager || $NODE_ROLE == worker ]] || die "NODE_ROLE must be manager or worker"
  [[ $PRIVATE_ADDR =~ $ipv4_re ]] || die "PRIVATE_ADDR must be an IPv4 address"
  [[ $PRIVATE_CIDR =~ $cidr_re ]] || die "PRIVATE_CIDR must be an IPv4 CIDR, e.g. 10.10.0.0/16"
  [[ -z $ADMIN_CIDR || $ADMIN_CIDR =~ $cidr_re ]] || die "ADMIN_CIDR must be empty or an IPv4 CIDR"
  local p l
  for p in $PUBLIC_PORTS; do
    if ! [[ $p =~ ^[0-9]{1,5}$ ]] || ((10#$p < 1 || 10#$p > 65535)); then die "PUBLIC_PORTS: '$p' is not a port"; fi
  done
  [[ -n ${PUBLIC_PORTS// /} ]] || die "PUBLIC_PORTS is empty"
  for l in $NODE_LABELS; do
    [[ $l =~ ^[A-Za-z0-9._-]+=[A-Za-z0-9._-]*$ ]] || die "NODE_LABELS: '$l' is not k=v"
  done
  if [[ $NODE_ROLE == worker ]]; then
    [[ $MANAGER_ADDR =~ $ipv4_re ]] || die "MANAGER_ADDR must be the manager's private IPv4 address"
  fi
}

install_docker() {
  local pkgs=()
  command -v dockerd >/dev/null 2>&1 || pkgs+=(docker.io)
  command -v nft >/dev/null 2>&1 || pkgs+=(nftables)
  if ((${#pkgs[@]})); then
    log "apt-get install ${pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q "${pkgs[@]}"
  fi
  # `docker stack deploy` ignores security_opt: no-new-privileges is set
  # daemon-wide (stack/minitwit.yml, "Container hardening").
  local want='{"no-new-privileges": true, "log-driver": "json-file", "log-opts": {"max-size": "10m", "max-file": "5"}}'
  if [[ ! -f /etc/docker/daemon.json ]] || [[ $(</etc/docker/daemon.json) != "$want" ]]; then
    mkdir -p /etc/docker
    printf '%s\n' "$want" >/etc/docker/daemon.json
    if [[ -d /run/systemd/system ]]; then
      systemctl enable docker >/dev/null 2>&1 || true
      systemctl restart docker
    fi
  fi
}

# ruleset prints the firewall, idempotent to load: the table is declared,
# deleted and defined again, so Docker's own tables are never touched.
ruleset() {
  local public admin=''
  public=$(echo "$PUBLIC_PORTS" | xargs | sed 's/ /, /g')
  [[ -n $ADMIN_CIDR ]] && admin="    ip saddr $ADMIN_CIDR tcp dport 22 accept"
  cat <<EOF
#!/usr/sbin/nft -f
# Written by stack/infra/node/provision.sh; loaded at boot by nftables.service.
table inet minitwit
delete table inet minitwit
table inet minitwit {
  chain input {
    type filter hook input priority filter; policy drop;
    iif lo accept
    ct state established,related accept
    ct state invalid drop
    meta l4proto { icmp, ipv6-icmp } accept
    tcp dport { $public } accept
$admin
    # Swarm: control plane, gossip, the overlay's VXLAN and its encryption.
    ip saddr $PRIVATE_CIDR tcp dport { 2377, 7946 } accept
    ip saddr $PRIVATE_CIDR udp dport { 7946, 4789 } accept
    ip saddr $PRIVATE_CIDR meta l4proto esp accept
  }
  chain forward {
    # Before Docker's own forward rules: published ports are DNATed in
    # prerouting and never reach the input chain.
    type filter hook forward priority filter - 10; policy accept;
    ct direction original ct status dnat ip saddr != $PRIVATE_CIDR meta l4proto tcp ct original proto-dst != { $public } drop
    ct direction original ct status dnat ip saddr != $PRIVATE_CIDR meta l4proto != tcp drop
    ct direction original ct status dnat meta nfproto ipv6 meta l4proto tcp ct original proto-dst != { $public } drop
    ct direction original ct status dnat meta nfproto ipv6 meta l4proto != tcp drop
  }
}
EOF
}

firewall() {
  command -v nft >/dev/null 2>&1 || die "nft is missing (apt-get install nftables)"
  local tmp
  tmp=$(mktemp)
  ruleset | grep -v '^$' >"$tmp"
  nft -c -f "$tmp" || { rm -f "$tmp"; die "the firewall does not parse"; }
  mkdir -p "$(dirname "$NFT_CONF")"
  install -m 0755 "$tmp" "$NFT_CONF"
  rm -f "$tmp"
  nft -f "$NFT_CONF"
  log "firewall: table inet minitwit loaded from $NFT_CONF (public tcp: $PUBLIC_PORTS; ssh: ${ADMIN_CIDR:-none})"
  # Enabled, not just configured: loaded again at every boot.
  if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
    systemctl enable nftables >/dev/null 2>&1
    log "firewall: nftables.service enabled"
  fi
}

wait_docker() {
  for _ in $(seq 1 120); do
    docker info >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  die "docker does not answer (DOCKER_HOST=${DOCKER_HOST:-default})"
}

swarm_state() { docker info --format '{{.Swarm.LocalNodeState}}'; }

manager() {
  if [[ $(swarm_state) != active ]]; then
    log "docker swarm init on $PRIVATE_ADDR"
    docker swarm init --advertise-addr "$PRIVATE_ADDR" --listen-addr "$PRIVATE_ADDR:2377" \
      --data-path-addr "$PRIVATE_ADDR" >/dev/null
  fi
  local node l
  node=$(docker info --format '{{.Swarm.NodeID}}')
  for l in $NODE_LABELS; do
    docker node update --label-add "$l" "$node" >/dev/null
  done
  if [[ -n $WORKER_TOKEN_FILE ]]; then
    mkdir -p "$(dirname "$WORKER_TOKEN_FILE")"
    (umask 077 && docker swarm join-token -q worker >"$WORKER_TOKEN_FILE")
  fi
  log "manager $node on $PRIVATE_ADDR${WORKER_TOKEN_FILE:+; worker join token in $WORKER_TOKEN_FILE}"
}

worker() {
  local token=${JOIN_TOKEN:-}
  if [[ -z $token && -n ${JOIN_TOKEN_FILE:-} ]]; then
    token=$(<"$JOIN_TOKEN_FILE")
  fi
  if [[ $(swarm_state) != active ]]; then
    if [[ -z $token ]]; then
      log "worker $PRIVATE_ADDR: firewall on, not in a Swarm yet (no JOIN_TOKEN or JOIN_TOKEN_FILE)"
      return 0
    fi
    log "docker swarm join $MANAGER_ADDR:2377 as $PRIVATE_ADDR"
    docker swarm join --advertise-addr "$PRIVATE_ADDR" --listen-addr "$PRIVATE_ADDR:2377" \
      --data-path-addr "$PRIVATE_ADDR" --token "$token" "$MANAGER_ADDR:2377" >/dev/null
  fi
  local node l args=()
  node=$(docker info --format '{{.Swarm.NodeID}}')
  for l in $NODE_LABELS; do
    args+=(--label-add "$l")
  done
  # A worker cannot change its own node object: the manager labels it.
  if ((${#args[@]})); then
    echo "docker node update ${args[*]} $node"
  fi
  log "worker $node on $PRIVATE_ADDR joined $MANAGER_ADDR"
}

main() {
  check_settings
  if [[ $INSTALL_DOCKER == 1 ]]; then
    install_docker
  fi
  firewall
  wait_docker
  case $NODE_ROLE in
    manager) manager ;;
    worker) worker ;;
  esac
}

main "$@"
