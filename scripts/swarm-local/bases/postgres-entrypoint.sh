#!/bin/bash
# The official postgres image's first start, as far as MiniTwit's stack uses
# it: an empty PGDATA gets a cluster whose superuser is POSTGRES_USER with the
# password from POSTGRES_PASSWORD_FILE (or POSTGRES_PASSWORD), a database
# POSTGRES_DB, trust on the local socket and scram-sha-256 over TCP.
set -euo pipefail
if [[ ${1:-} == -* ]]; then set -- postgres "$@"; fi
if [[ ${1:-} != postgres ]]; then exec "$@"; fi

user=${POSTGRES_USER:-postgres}
db=${POSTGRES_DB:-$user}
if [[ ! -s $PGDATA/PG_VERSION ]]; then
	if [[ -n ${POSTGRES_PASSWORD_FILE:-} ]]; then
		pw=$(<"$POSTGRES_PASSWORD_FILE")
	else
		pw=${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE}
	fi
	initdb -D "$PGDATA" -U "$user" --pwfile=<(printf '%s\n' "$pw") -E UTF8 --locale=C.UTF-8 \
		--auth-local=trust --auth-host=scram-sha-256 >/dev/null
	printf '%s\n' "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
	printf '%s\n' "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
	pg_ctl -D "$PGDATA" -w -o "-c listen_addresses='' -k /var/run/postgresql" start >/dev/null
	if [[ $db != postgres ]]; then
		psql -v ON_ERROR_STOP=1 -h /var/run/postgresql -U "$user" -d postgres -q \
			-c "CREATE DATABASE \"$db\"" >/dev/null
	fi
	pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
	echo "postgres stand-in: initialised $PGDATA (database $db, user $user)" >&2
fi
exec "$@"
