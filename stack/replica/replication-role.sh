#!/bin/sh
# The db-replica-init job (stack/replica.yml): creates the replication role
# the standby connects as, or sets its password to the secret's again.
# Idempotent, so it runs at every deployment of the replica stack file.
#
# Environment: PGHOST, PGPORT, PGUSER, PGDATABASE (libpq: a superuser's
# connection to the primary), DB_PASSWORD_FILE (/run/secrets/db_password,
# that user's password), REPLICATION_USER (replicator),
# REPLICATION_PASSWORD_FILE (/run/secrets/db_replication_password).
set -eu

user=${REPLICATION_USER:-replicator}
pwfile=${REPLICATION_PASSWORD_FILE:-/run/secrets/db_replication_password}
[ -r "$pwfile" ] || { echo "replication-role: cannot read $pwfile" >&2; exit 1; }
PGPASSWORD=$(head -n 1 "${DB_PASSWORD_FILE:-/run/secrets/db_password}" | tr -d '\r')
export PGPASSWORD

# The password is read by psql itself (backquotes), so it is in no argument
# list; \gexec runs the statements without echoing them.
psql -X -q -v ON_ERROR_STOP=1 -v role="$user" -v pwfile="$pwfile" <<'SQL'
\set pw `head -n 1 :'pwfile' | tr -d '\r'`
SELECT format('CREATE ROLE %I WITH REPLICATION LOGIN', :'role')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I WITH REPLICATION LOGIN PASSWORD %L', :'role', :'pw') \gexec
SQL
echo "replication-role: role $user is ready" >&2
