#!/usr/bin/env bash
# Cut-over of a database move on the Swarm stack (between 5-sequences.sh and
# 6-finish.sh): roll every service that talks to the database onto the new
# one. Each `docker service update` replaces one task at a time, starting the
# new task and waiting for its health check before stopping an old one (the
# stack's update_config), so requests are served throughout; for a while old
# tasks write to the source, whose changes still replicate to the target.
#
#   NEW_DATABASE_URL='postgres://minitwit@HOST:5432/minitwit?sslmode=verify-full&sslrootcert=/run/secrets/db_ca.crt' \
#     [STACK_NAME=minitwit] [DRY_RUN=1] scripts/db-move/cutover-swarm.sh
#
# The new server must speak TLS with a certificate from the stack's CA that
# names HOST (DB_TLS_EXTRA_NAMES=HOST scripts/db-tls.sh --renew).
#
# The password stays the secret minitwit_db_password: give the new server's
# role the same one. Then make the change permanent in the stack's settings
# (docs/operations.md, "Database move"), or the next deploy rolls back to
# the old server.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/../lib/common.sh"

url=${NEW_DATABASE_URL:?set NEW_DATABASE_URL to the new database URL, as the services will see it}
[[ $url == postgres://* || $url == postgresql://* ]] || die "NEW_DATABASE_URL must be a postgres:// URL"
[[ $url != *:*:*@* ]] || die "leave the password out of NEW_DATABASE_URL: the services read it from the db_password secret"
stack=${STACK_NAME:-minitwit}
hostport=${url#*://}
hostport=${hostport#*@}
hostport=${hostport%%/*}
host=${hostport%%:*}
port=5432
[[ $hostport == *:* ]] && port=${hostport##*:}
rest=${url#*://*/}
dbname=${rest%%\?*}

run() {
  if [[ -n ${DRY_RUN:-} ]]; then printf '%q ' "$@"; echo; else "$@"; fi
}
exists() { [[ -n ${DRY_RUN:-} ]] || docker service inspect "$1" >/dev/null 2>&1; }

for svc in follower api web; do
  exists "${stack}_$svc" || die "service ${stack}_$svc not found (STACK_NAME?)"
  log "rolling ${stack}_$svc onto $host:$port"
  run docker service update --detach=false --env-add "DATABASE_URL=$url" "${stack}_$svc"
done
# Later schema migrations, backups and the exporter must follow too.
if exists "${stack}_migrate"; then
  run docker service update --detach=false --env-add "DATABASE_URL=$url" "${stack}_migrate"
fi
if exists "${stack}_backup"; then
  run docker service update --detach=false --env-add "POSTGRES_HOST=$host" --env-add "POSTGRES_PORT=$port" \
    --env-add "POSTGRES_DATABASE=$dbname" "${stack}_backup"
fi
if exists "${stack}_postgres-exporter"; then
  run docker service update --detach=false --env-add "DATA_SOURCE_URI=$host:$port/$rest" "${stack}_postgres-exporter"
fi
log "every service runs on $host:$port; stop writes to the old server, then run 6-finish.sh"
