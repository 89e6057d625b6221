#!/bin/sh
# Entry point of the db-replica service (stack/replica.yml): a PostgreSQL hot
# standby streaming from the primary. On an empty data directory it copies
# the primary with pg_basebackup -R (which writes standby.signal and
# primary_conninfo), retrying until the primary accepts the replication
# role; then it runs its arguments, the postgres command.
#
# The replication password never lands in the data directory: the
# connection names a password file, which this script writes afresh from the
# secret at every start (to /tmp, a tmpfs in the stack).
#
# Environment: PGDATA (required), PRIMARY_HOST (postgres), PRIMARY_PORT
# (5432), REPLICATION_USER (replicator), REPLICATION_PASSWORD_FILE
# (/run/secrets/db_replication_password), REPLICATION_PASSFILE
# (/tmp/replication.pgpass), REPLICATION_RETRY_SECONDS (5).
set -eu

: "${PGDATA:?PGDATA must name the data directory}"
host=${PRIMARY_HOST:-postgres}
port=${PRIMARY_PORT:-5432}
user=${REPLICATION_USER:-replicator}
pwfile=${REPLICATION_PASSWORD_FILE:-/run/secrets/db_replication_password}
passfile=${REPLICATION_PASSFILE:-/tmp/replication.pgpass}
retry=${REPLICATION_RETRY_SECONDS:-5}

log() { printf 'standby: %s\n' "$*" >&2; }

[ -r "$pwfile" ] || { log "cannot read the replication password file $pwfile"; exit 1; }
umask 077
# A .pgpass line: host:port:database:user:password, with \ and : escaped.
password=$(head -n 1 "$pwfile" | tr -d '\r' | sed -e 's/\\/\\\\/g' -e 's/:/\\:/g')
printf '%s:%s:replication:%s:%s\n' "$host" "$port" "$user" "$password" >"$passfile"
unset password

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  log "copying the primary $host:$port into $PGDATA"
  until pg_basebackup -w -R -X stream -c fast -D "$PGDATA" \
    -d "host=$host port=$port user=$user passfile=$passfile application_name=minitwit_replica"; do
    log "pg_basebackup failed; retrying in ${retry}s"
    # pg_basebackup wants an empty directory; the mount point itself stays.
    find "$PGDATA" -mindepth 1 -delete
    sleep "$retry"
  done
  # PostgreSQL refuses a group- or world-accessible data directory (the
  # image's volume directory is 1777).
  chmod 0700 "$PGDATA"
  log "copy complete"
fi

exec "$@"
