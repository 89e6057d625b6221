# shellcheck shell=bash
# What scripts/swarm-local.sh (one node) and scripts/swarm-nodes.sh (three
# nodes) both do around deploying the stack on a local Swarm: the tools they
# need, the docker CLI deploy.sh gets, the stack's secrets and the postgres
# exporter's login. Source it; it defines functions only. The functions that
# talk to the Swarm take the docker command to use as their last words
# (`dk`, or `dkn manager`).

# stack_need_tools DIE: calls the function DIE with a message when a tool is missing.
stack_need_tools() {
  local die=$1 missing=() t
  for t in dockerd containerd runc debootstrap iptables ip nft go; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  [[ -x $DOCKER_CLI ]] || missing+=("$DOCKER_CLI")
  ((${#missing[@]} == 0)) || "$die" "missing: ${missing[*]} (apt-get install docker.io debootstrap nftables)"
}

# deploy_cli prints a docker CLI whose `stack deploy` knows --detach (for
# deploy.sh; Debian's 20.10 client does not).
deploy_cli() {
  local c
  for c in /usr/local/bin/docker /usr/bin/docker; do
    [[ -x $c ]] && "$c" stack deploy --help 2>/dev/null | grep -q -- '--detach' && { echo "$c"; return; }
  done
  echo "$DOCKER_CLI"
}

stack_random() { head -c 18 /dev/urandom | base64 | tr -d '/+='; }

# stack_secrets DIR DOCKER...: creates the stack's Swarm secrets that do not
# exist yet. The database and exporter passwords are random and kept in DIR
# for the tests and for psql; the simulator's credentials are the ones its
# protocol fixes; nothing listens at the webhook (alerts are read from
# Alertmanager's own API); backups are off.
stack_secrets() {
  local dir=$1
  shift
  mkdir -p "$dir"
  chmod 700 "$dir"
  [[ -s $dir/db_password ]] || stack_random >"$dir/db_password"
  [[ -s $dir/postgres_exporter_password ]] || stack_random >"$dir/postgres_exporter_password"
  stack_secret minitwit_db_password "$(<"$dir/db_password")" "$@"
  stack_secret minitwit_session_key "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" "$@"
  stack_secret minitwit_simulator_user simulator "$@"
  stack_secret minitwit_simulator_password 'super_safe!' "$@"
  stack_secret minitwit_postgres_exporter_password "$(<"$dir/postgres_exporter_password")" "$@"
  stack_secret minitwit_grafana_admin_password "$(stack_random)" "$@"
  stack_secret minitwit_alertmanager_webhook_url http://127.0.0.1:9/alerts "$@"
  stack_secret minitwit_backup_s3_access_key_id local "$@"
  stack_secret minitwit_backup_s3_secret_access_key local "$@"
  stack_secret minitwit_backup_passphrase disabled "$@"
}

# stack_secret NAME VALUE DOCKER... creates Swarm secret NAME unless it exists.
stack_secret() {
  local name=$1 value=$2
  shift 2
  "$@" secret inspect "$name" >/dev/null 2>&1 && return 0
  printf '%s' "$value" | "$@" secret create "$name" - >/dev/null
}

# stack_postgres DOCKER... prints the id of the stack's PostgreSQL container
# on that daemon; fails when none runs there.
stack_postgres() {
  local id
  id=$("$@" ps -q --filter "label=com.docker.swarm.service.name=${STACK_NAME}_postgres" | head -n 1)
  [[ -n $id ]] && echo "$id"
}

# stack_exporter_role PASSWORD_FILE CONTAINER DOCKER... gives the postgres
# exporter its login in that PostgreSQL container (docs/monitoring.md).
stack_exporter_role() {
  local pw c=$2
  pw=$(<"$1")
  shift 2
  "$@" exec -i "$c" psql -q -v ON_ERROR_STOP=1 -U minitwit -d minitwit >/dev/null <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'postgres_exporter') THEN
    CREATE ROLE postgres_exporter LOGIN PASSWORD '$pw';
    GRANT pg_monitor TO postgres_exporter;
  END IF;
END \$\$;
SQL
}
