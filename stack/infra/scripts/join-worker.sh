#!/usr/bin/env bash
# join-worker.sh join|leave — run by Terraform (stack/infra/join.tf) on the
# machine that applies it, to add a worker droplet to the Swarm or take it
# out. The worker join token goes from the manager to the worker through a
# pipe between two SSH sessions: it is never in the Terraform state, the
# droplets' user data, a file on this machine or a log.
#
# Environment: MANAGER_HOST and WORKER_HOST (public addresses, reached over
# SSH as root from inside admin_cidr with a key from the ssh-agent),
# WORKER_NAME (the droplet's name, which is its hostname and Swarm node name),
# JOIN_TIMEOUT seconds per wait (default 900), JOIN_KNOWN_HOSTS (below).
set -euo pipefail

log() { printf '%s join-worker %s: %s\n' "$(date -u +%H:%M:%S)" "${WORKER_NAME:-?}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

action=${1:-}
[[ $action == join || $action == leave ]] || die "usage: join-worker.sh join|leave"
for v in MANAGER_HOST WORKER_HOST WORKER_NAME; do
  [[ -n ${!v:-} ]] || die "$v is not set"
done
timeout=${JOIN_TIMEOUT:-900}

# New droplets have new host keys. With JOIN_KNOWN_HOSTS (a known_hosts
# file holding both hosts' keys) they are checked strictly; without it each
# is trusted on first contact, remembered for this run only (the addresses
# were created by this Terraform run a moment ago).
if [[ -n ${JOIN_KNOWN_HOSTS:-} ]]; then
  [[ -r $JOIN_KNOWN_HOSTS ]] || die "JOIN_KNOWN_HOSTS=$JOIN_KNOWN_HOSTS is not readable"
  host_key_opts=(-o StrictHostKeyChecking=yes -o UserKnownHostsFile="$JOIN_KNOWN_HOSTS")
else
  known_hosts=$(mktemp)
  trap 'rm -f "$known_hosts"' EXIT
  host_key_opts=(-o StrictHostKeyChecking=accept-new -o UserKnownHostsFile="$known_hosts")
fi
ssh_opts=(-o BatchMode=yes -o ConnectTimeout=10 "${host_key_opts[@]}" -o LogLevel=ERROR)
# on HOST CMD... runs CMD as root on HOST, its arguments quoted for the
# remote shell; stdin is not passed (on_stdin passes it).
on() {
  local host=$1
  shift
  ssh -n "${ssh_opts[@]}" "root@$host" "$(printf '%q ' "$@")"
}
on_stdin() {
  local host=$1
  shift
  # shellcheck disable=SC2029 # expanded here on purpose: %q quotes it for the remote shell
  ssh "${ssh_opts[@]}" "root@$host" "$(printf '%q ' "$@")"
}

# until_ok SECONDS WHAT CMD... retries CMD every 5 s until it succeeds;
# returns 1 (after saying so) when SECONDS have passed.
until_ok() {
  local limit=$1 what=$2 deadline
  shift 2
  deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      log "timed out after ${limit}s waiting for $what"
      return 1
    fi
    sleep 5
  done
}

node_state() { on "$1" docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null; }
manager_ready() { [[ $(on "$MANAGER_HOST" docker info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null) == true ]]; }
tasks_gone() {
  [[ -z $(on "$MANAGER_HOST" docker node ps --filter desired-state=running --format '{{.ID}}' "$WORKER_NAME" 2>/dev/null) ]]
}
worker_listed_ready() {
  [[ $(on "$MANAGER_HOST" docker node inspect --format '{{.Status.State}}' "$WORKER_NAME" 2>/dev/null) == ready ]]
}

join() {
  until_ok "$timeout" "ssh to the manager $MANAGER_HOST" on "$MANAGER_HOST" true || exit 1
  # cloud-init's first boot installs Docker and inits the Swarm; status
  # --wait fails if it failed.
  on "$MANAGER_HOST" cloud-init status --wait >/dev/null || die "cloud-init failed on the manager (see /var/log/cloud-init-output.log there)"
  until_ok "$timeout" "the manager to lead a Swarm" manager_ready || exit 1
  until_ok "$timeout" "ssh to the worker $WORKER_HOST" on "$WORKER_HOST" true || exit 1
  on "$WORKER_HOST" cloud-init status --wait >/dev/null || die "cloud-init failed on the worker (see /var/log/cloud-init-output.log there)"
  if [[ $(node_state "$WORKER_HOST") == active ]]; then
    log "already in the Swarm"
  else
    log "joining through the manager's private address"
    on "$MANAGER_HOST" docker swarm join-token -q worker |
      on_stdin "$WORKER_HOST" /usr/local/sbin/minitwit-node-init --join-token-stdin ||
      die "provisioning the worker failed"
  fi
  until_ok "$timeout" "the manager to list $WORKER_NAME as ready" worker_listed_ready || exit 1
  log "ready"
}

# Drain first so the Swarm moves the tasks while the node still runs them.
leave() {
  if on "$MANAGER_HOST" docker node inspect "$WORKER_NAME" >/dev/null 2>&1; then
    on "$MANAGER_HOST" docker node update --availability drain "$WORKER_NAME" >/dev/null
    until_ok 300 "the tasks on $WORKER_NAME to move" tasks_gone || log "removing it with tasks still running"
    on "$WORKER_HOST" docker swarm leave >/dev/null 2>&1 || true
    on "$MANAGER_HOST" docker node rm --force "$WORKER_NAME" >/dev/null
    log "drained and removed from the Swarm"
  else
    log "not in the Swarm"
  fi
}

"$action"
