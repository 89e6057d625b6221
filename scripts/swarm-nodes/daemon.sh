# shellcheck shell=bash
# Each node's own containerd and dockerd (sourced by scripts/swarm-nodes.sh).
#
# Both run inside the node's network namespace and share one private mount
# namespace (with a /sys of the node's namespace): dockerd's overlay mounts are visible to containerd and runc, and
# none of them reaches the host. Each node keeps its state under
# NODES_STATE/<node> and its sockets and pid files under NODES_RUN/<node>;
# its containers' cgroups are under /minitwit-nodes-<node>.

NODES_STATE=${NODES_STATE:-/var/lib/minitwit-nodes}
NODES_RUN=${NODES_RUN:-/run/minitwit-nodes}
# The builder's data root stays between runs, like the base-image cache: the
# stand-ins stay loaded and Docker's build cache warm.
NODES_CACHE=${NODES_CACHE:-/var/cache/minitwit-nodes}
DOCKER_CLI=/usr/bin/docker

node_sock() { echo "$NODES_RUN/$1/docker.sock"; }
# dkn NODE ARGS... runs the docker CLI against NODE's dockerd.
dkn() {
  local node=$1
  shift
  DOCKER_HOST=unix://$(node_sock "$node") "$DOCKER_CLI" "$@"
}
node_answers() { dkn "$1" info >/dev/null 2>&1; }

# pid_of FILE EXE prints the pid in FILE if that process is EXE.
pid_of() {
  local pid
  [[ -f $1 ]] || return 1
  pid=$(<"$1")
  [[ -n $pid && $(readlink "/proc/$pid/exe" 2>/dev/null) == */"$2" ]] && echo "$pid"
}

# node_start NODE starts NODE's containerd and dockerd unless dockerd answers.
node_start() {
  local node=$1 dir=$NODES_STATE/$1 run=$NODES_RUN/$1
  [[ $node == builder ]] && dir=$NODES_CACHE/builder
  node_answers "$node" && return 0
  node_stop "$node"
  mkdir -p "$dir/data" "$dir/containerd" "$run/exec" "$run/containerd"
  cat >"$dir/containerd.toml" <<EOF
version = 2
root = "$dir/containerd"
state = "$run/containerd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$run/containerd/containerd.sock"
[ttrpc]
  address = "$run/containerd/containerd.sock.ttrpc"
[debug]
  level = "warn"
[metrics]
  address = ""
EOF
  nodes_log "$node: starting containerd and dockerd"
  # --no-new-privileges: `docker stack deploy` ignores security_opt
  # (stack/minitwit.yml); provision.sh sets the same in daemon.json.
  # nsenter + unshare rather than `ip netns exec`: that one mounts a fresh
  # /sys without the cgroup file systems dockerd needs. Here the cgroup tree
  # is kept aside, a /sys of the node's namespace mounted, and the tree put
  # back into it. Its own UTS namespace gives each node its own host name
  # (`docker node ls`).
  # The builder stays in the host's network namespace (its builds fetch Go
  # modules through the host's proxy) but makes no bridge, iptables rule or
  # forwarding change there: builds use --network host (build_images).
  local enter=(nsenter --net="/run/netns/$(ns "$node")") extra=()
  if [[ $node == builder ]]; then
    enter=()
    extra=(--bridge=none --iptables=false --ip-forward=false --ip-masq=false)
  fi
  # shellcheck disable=SC2016 # expanded by the inner bash
  "${enter[@]}" unshare --mount --uts --propagation slave bash -c '
    set -e
    hostname "$4"
    if [[ $3 != builder ]]; then
      mkdir -p "$2/cgroup"
      mount --rbind /sys/fs/cgroup "$2/cgroup"
      umount -l /sys
      mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
      mount --rbind "$2/cgroup" /sys/fs/cgroup
      umount -l "$2/cgroup"
    fi
    setsid containerd --config "$1/containerd.toml" >>"$1/containerd.log" 2>&1 </dev/null &
    echo $! >"$2/containerd.pid"
    for _ in $(seq 1 100); do [[ -S $2/containerd/containerd.sock ]] && break; sleep 0.1; done
    setsid dockerd \
      --containerd "$2/containerd/containerd.sock" \
      --data-root "$1/data" --exec-root "$2/exec" --pidfile "$2/dockerd.pid" \
      --host "unix://$2/docker.sock" --storage-driver overlay2 --no-new-privileges \
      --cgroup-parent "/minitwit-nodes-$3" --log-level warn "${@:5}" \
      >>"$1/dockerd.log" 2>&1 </dev/null &
    echo $! >"$2/dockerd.spawned"
  ' node-start "$dir" "$run" "$node" "$(ns "$node")" "${extra[@]}"
  local pid
  for _ in $(seq 1 300); do
    node_answers "$node" && return 0
    # A daemon that exited will not answer later.
    pid_of "$run/dockerd.spawned" dockerd >/dev/null || break
    sleep 0.1
  done
  tail -n 20 "$dir/dockerd.log" "$dir/containerd.log" >&2 || true
  nodes_die "$node: dockerd did not answer within 30 s"
}

# wait_gone PID waits up to 10 s for PID to exit, then kills it.
wait_gone() {
  for _ in $(seq 1 100); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$1" 2>/dev/null || true
}

# node_stop NODE stops NODE's dockerd and containerd by their pid files, then
# ends whatever else still runs in the node's namespace or its containers'
# cgroups (container shims, containers of a crashed daemon).
node_stop() {
  local node=$1 run=$NODES_RUN/$1 pid cg
  if pid=$(pid_of "$run/dockerd.pid" dockerd); then
    kill -TERM "$pid" 2>/dev/null || true
    wait_gone "$pid"
  fi
  if pid=$(pid_of "$run/containerd.pid" containerd); then
    kill -TERM "$pid" 2>/dev/null || true
    wait_gone "$pid"
  fi
  if [[ $node != builder ]] && ip netns list | grep -qw "$(ns "$node")"; then
    for pid in $(ip netns pids "$(ns "$node")" 2>/dev/null); do
      kill -KILL "$pid" 2>/dev/null || true
    done
  fi
  for cg in /sys/fs/cgroup/*/minitwit-nodes-"$node"; do
    [[ -d $cg ]] || continue
    find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null | while read -r pid; do
      kill -KILL "$pid" 2>/dev/null || true
    done
  done
  for cg in /sys/fs/cgroup/*/minitwit-nodes-"$node"; do
    [[ -d $cg ]] || continue
    for _ in $(seq 1 50); do
      find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
      [[ -d $cg ]] || break
      sleep 0.1
    done
  done
  rm -f "$run/dockerd.pid" "$run/containerd.pid" "$run/dockerd.spawned"
}
