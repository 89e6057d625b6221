# shellcheck shell=bash
# Helpers shared by MiniTwit's scripts: package installation, free ports and
# throwaway PostgreSQL clusters on 127.0.0.1. Source it; it defines functions only.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
REPO_ROOT=${REPO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# ensure_packages CMD:PKG ... installs the Debian package PKG when CMD is missing.
ensure_packages() {
  local want=() pair cmd pkg
  for pair in "$@"; do
    cmd=${pair%%:*} pkg=${pair#*:}
    if [[ $cmd == /* ]]; then [[ -x $cmd ]] && continue; else command -v "$cmd" >/dev/null 2>&1 && continue; fi
    want+=("$pkg")
  done
  ((${#want[@]})) || return 0
  log "installing ${want[*]}"
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
}

# free_port prints a TCP port on 127.0.0.1 that nothing listens on, below
# the kernel's ephemeral range: tests open thousands of short client
# connections, and those take ephemeral local ports a server then cannot bind.
free_port() {
  local p low=32768
  [[ -r /proc/sys/net/ipv4/ip_local_port_range ]] && read -r low _ </proc/sys/net/ipv4/ip_local_port_range
  for _ in $(seq 1 200); do
    p=$((10000 + RANDOM % (low - 10000)))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  die "no free port below $low"
}

# wait_http URL [SECONDS] waits until URL answers 2xx.
wait_http() {
  local url=$1 t=${2:-30}
  for _ in $(seq 1 $((t * 10))); do
    curl -fsk -o /dev/null "$url" 2>/dev/null && return 0
    sleep 0.1
  done
  die "timed out waiting for $url"
}

# as_pg runs a PostgreSQL server binary as the postgres user when we are root
# (initdb refuses to run as root).
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# pg_start NAME starts a throwaway cluster and sets NAME_DIR, NAME_PORT and
# NAME_URL (a postgres:// URL of database "minitwit"). wal_level=logical so
# the database-move drill can replicate from it. Stop it with pg_stop NAME.
pg_start() {
  local name=$1 dir port
  ensure_packages "$PG_BIN/initdb:postgresql-15"
  dir=$(mktemp -d "/tmp/minitwit-pg-$name.XXXXXX")
  [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
  port=$(free_port)
  as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c wal_level=logical -c max_connections=200 -c fsync=on" start >/dev/null ||
    { cat "$dir/server.log" >&2; die "postgres did not start"; }
  as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres minitwit
  printf -v "${name}_DIR" '%s' "$dir"
  printf -v "${name}_PORT" '%s' "$port"
  printf -v "${name}_URL" 'postgres://postgres@127.0.0.1:%s/minitwit?sslmode=disable' "$port"
  export "${name}_DIR" "${name}_PORT" "${name}_URL"
}

# pg_stop NAME stops the cluster started by pg_start NAME and removes it.
pg_stop() {
  local dirvar="${1}_DIR"
  local dir=${!dirvar:-}
  [[ -n $dir && -d $dir ]] || return 0
  as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
