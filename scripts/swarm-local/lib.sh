# shellcheck shell=bash
# Shared by scripts/swarm-local.sh and its helpers: where the local Swarm
# keeps its state, and how its own dockerd is started and cleaned up after.
# Source it; it defines variables and functions only.
#
# The local dockerd is started by hand (no systemd here) with its own
# data root, exec root, pid file and socket, so it never meets another
# Docker on the machine. Everything it makes lives under SWARM_STATE and
# SWARM_RUN; down removes both and the host state dockerd leaves behind.

SWARM_STATE=${SWARM_STATE:-/var/lib/minitwit-swarm}
SWARM_RUN=${SWARM_RUN:-/run/minitwit-swarm}
# Base-image stand-ins are kept here between runs (see bases.sh).
SWARM_CACHE=${SWARM_CACHE:-/var/cache/minitwit-swarm}
SWARM_SOCK=$SWARM_RUN/docker.sock
export DOCKER_HOST=unix://$SWARM_SOCK
# Debian's 20.10 client builds with BuildKit; a newer `docker` earlier on
# PATH may lack buildx. deploy.sh and rollback.sh call plain `docker`, so
# SWARM_BIN goes first on their PATH.
SWARM_BIN=$SWARM_STATE/bin
export DOCKER_BUILDKIT=1
DOCKER_CLI=/usr/bin/docker

# The stack's name and the published HTTPS port.
STACK_NAME=${STACK_NAME:-minitwit}
export STACK_NAME

swarm_log() { printf '%s swarm-local: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
swarm_die() { swarm_log "error: $*"; exit 1; }

dk() { "$DOCKER_CLI" "$@"; }

dockerd_running() {
  [[ -f $SWARM_RUN/dockerd.pid ]] && kill -0 "$(<"$SWARM_RUN/dockerd.pid")" 2>/dev/null
}

# dockerd_start starts the local dockerd unless it already runs, and waits
# until it answers.
dockerd_start() {
  if dockerd_running && dk info >/dev/null 2>&1; then
    return 0
  fi
  # A crashed run may have left a dead daemon's state: clear it first.
  dockerd_stop
  host_cleanup
  mkdir -p "$SWARM_STATE/data" "$SWARM_RUN/exec" "$SWARM_BIN"
  # What the host looked like before, for host_cleanup.
  [[ -f $SWARM_STATE/ip_forward.before ]] || cat /proc/sys/net/ipv4/ip_forward >"$SWARM_STATE/ip_forward.before"
  [[ -f $SWARM_STATE/nft.before ]] || { nft list tables 2>/dev/null | sed 's/^table //' >"$SWARM_STATE/nft.before" || true; }
  swarm_log "starting dockerd (data root $SWARM_STATE/data)"
  # --no-new-privileges: `docker stack deploy` ignores security_opt, so the
  # daemon sets it for every container (docs/deployment.md).
  setsid dockerd \
    --data-root "$SWARM_STATE/data" \
    --exec-root "$SWARM_RUN/exec" \
    --pidfile "$SWARM_RUN/dockerd.pid" \
    --host "$DOCKER_HOST" \
    --storage-driver overlay2 \
    --no-new-privileges \
    --log-level warn \
    >>"$SWARM_STATE/dockerd.log" 2>&1 </dev/null &

  for _ in $(seq 1 300); do
    dk info >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  tail -n 20 "$SWARM_STATE/dockerd.log" >&2
  swarm_die "dockerd did not answer within 30 s"
}

# dockerd_stop stops the local dockerd (and the containerd it started) by
# the pid it recorded, waiting for it to exit.
dockerd_stop() {
  local pid
  [[ -f $SWARM_RUN/dockerd.pid ]] || return 0
  pid=$(<"$SWARM_RUN/dockerd.pid")
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == */dockerd ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  fi
  # The containerd dockerd supervises records its pid in the exec root.
  local cpid f=$SWARM_RUN/exec/containerd/containerd.pid
  if [[ -f $f ]]; then
    cpid=$(<"$f")
    if [[ -n $cpid ]] && [[ $(readlink "/proc/$cpid/exe" 2>/dev/null) == */containerd ]]; then
      kill -TERM "$cpid" 2>/dev/null || true
      for _ in $(seq 1 100); do
        kill -0 "$cpid" 2>/dev/null || break
        sleep 0.1
      done
    fi
  fi
  rm -f "$SWARM_RUN/dockerd.pid"
}

# host_cleanup removes what dockerd leaves on the host after it stopped:
# its bridges, the overlay network namespaces' links, its nft/iptables
# chains, the load-balancer files and mounts under its roots, and it puts
# ip_forward back as it was.
host_cleanup() {
  local link mnt
  for link in docker0 docker_gwbridge; do
    ip link show "$link" >/dev/null 2>&1 && ip link delete "$link" 2>/dev/null
  done
  # veth peers and overlay vxlan/bridge links dockerd made (names it uses).
  while read -r link; do
    [[ -n $link ]] && ip link delete "$link" 2>/dev/null
  done < <(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E '^(veth[0-9a-f]{7}|vx-[0-9a-f]{6}-|br-[0-9a-f]{12}$)' || true)
  # Mounts left under the state and exec roots (netns files, overlay layers).
  while read -r mnt; do
    umount -l "$mnt" 2>/dev/null || true
  done < <(awk -v a="$SWARM_STATE/" -v b="$SWARM_RUN/" 'index($2, a) == 1 || index($2, b) == 1 {print $2}' /proc/self/mounts | sort -r)
  firewall_cleanup
  rm -rf /var/lib/docker/network/files/lb_* 2>/dev/null || true
  rmdir /var/lib/docker/network/files /var/lib/docker/network /var/lib/docker 2>/dev/null || true
  if [[ -f $SWARM_STATE/ip_forward.before ]]; then
    cat "$SWARM_STATE/ip_forward.before" >/proc/sys/net/ipv4/ip_forward 2>/dev/null || true
  fi
}

# firewall_cleanup deletes Docker's chains and the jumps to them from the
# built-in chains (iptables-nft: they live in nft tables "filter" and "nat").
firewall_cleanup() {
  local table chain rule
  command -v iptables >/dev/null || return 0
  for table in filter nat mangle; do
    iptables -t "$table" -S >/dev/null 2>&1 || continue
    # Jumps into DOCKER* chains from any chain, then the chains themselves.
    while read -r rule; do
      [[ -n $rule ]] || continue
      # shellcheck disable=SC2086 # the rule is a list of iptables words
      iptables -t "$table" ${rule/-A /-D } 2>/dev/null || true
    done < <(iptables -t "$table" -S 2>/dev/null | grep -E '^-A ' | grep -E -- '-j DOCKER|DOCKER-|docker0|docker_gwbridge|^-A DOCKER' || true)
    for chain in $(iptables -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^DOCKER/ {print $2}'); do
      iptables -t "$table" -F "$chain" 2>/dev/null || true
    done
    for chain in $(iptables -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^DOCKER/ {print $2}'); do
      iptables -t "$table" -X "$chain" 2>/dev/null || true
    done
  done
  # Tables that only exist because dockerd's iptables calls created them.
  if command -v nft >/dev/null && [[ -f $SWARM_STATE/nft.before ]]; then
    while read -r table; do
      [[ -n $table ]] || continue
      # shellcheck disable=SC2086 # "FAMILY NAME": two words
      grep -qxF "$table" "$SWARM_STATE/nft.before" || nft delete table $table 2>/dev/null || true
    done < <(nft list tables 2>/dev/null | sed 's/^table //')
  fi
}
