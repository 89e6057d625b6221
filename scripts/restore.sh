#!/usr/bin/env bash
# Operator restore of a MiniTwit backup (pg_dump custom format, plain or
# gpg-encrypted by scripts/backup.sh -e or by the stack's backup service).
# docs/operations.md has the runbook.
#
#   scripts/restore.sh [-y] [-n] [-O] BACKUP TARGET_URL
#
#   BACKUP      a .dump file, a .dump.gpg file (passphrase from BACKUP_PASSPHRASE
#               or the file named by BACKUP_PASSPHRASE_FILE), or an s3:// URI
#               fetched with `aws s3 cp` (S3_ENDPOINT_URL for non-AWS storage)
#   TARGET_URL  postgres:// URL of the database to restore into
#
#   default     restore into that existing database: every object in the backup
#               is dropped and re-created (pg_restore --clean --if-exists) in one
#               transaction, so a failed restore changes nothing. Asks you to
#               type the database name first, unless -y.
#   -n          new database: create the database named in TARGET_URL (it must
#               not exist) and restore into it; nothing else is touched.
#   -O          do not restore object owners (restoring as another role than
#               the one that owned the tables)
# PG_CONTAINER=ID runs psql and pg_restore inside that container (the stack's
# postgres task, whose network has no route from the host), the backup fed
# on stdin; TARGET_URL is then as seen in there, e.g.
# postgresql://minitwit@/minitwit (its socket).
# Prints the row counts of the restored tables.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/lib/common.sh"

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

yes=0 new=0 owner=()
while getopts "ynOh" opt; do
  case $opt in
    y) yes=1 ;;
    n) new=1 ;;
    O) owner=(--no-owner) ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
(($# == 2)) || usage
backup=$1 target=$2
[[ $target == postgres://* || $target == postgresql://* ]] || die "TARGET_URL must be a postgres:// URL"
# pgtool runs a PostgreSQL client program here or in PG_CONTAINER.
pgtool() {
  if [[ -n ${PG_CONTAINER:-} ]]; then docker exec -i "$PG_CONTAINER" "$@"; else "$@"; fi
}
[[ -n ${PG_CONTAINER:-} ]] || ensure_packages pg_restore:postgresql-client psql:postgresql-client

# The database name is the URL's path; the server's maintenance database
# "postgres" is reached with the same credentials to create a new one.
base=${target%%\?*}
query=""
[[ $target == *\?* ]] && query="?${target#*\?}"
dbname=${base##*/}
maint="${base%/*}/postgres$query"
[[ $dbname =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "database name '$dbname' must be letters, digits and _"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [[ $backup == s3://* ]]; then
  ensure_packages aws:awscli
  endpoint=()
  [[ -z ${S3_ENDPOINT_URL:-} ]] || endpoint=(--endpoint-url "$S3_ENDPOINT_URL")
  log "downloading $backup"
  aws "${endpoint[@]}" s3 cp --only-show-errors "$backup" "$work/$(basename "$backup")"
  backup="$work/$(basename "$backup")"
fi
[[ -f $backup ]] || die "$backup: no such file"

if [[ $backup == *.gpg ]]; then
  ensure_packages gpg:gnupg
  passfile=${BACKUP_PASSPHRASE_FILE:-}
  if [[ -z $passfile ]]; then
    [[ -n ${BACKUP_PASSPHRASE:-} ]] || die "$backup is encrypted: set BACKUP_PASSPHRASE or BACKUP_PASSPHRASE_FILE"
    passfile="$work/passphrase"
    printf '%s' "$BACKUP_PASSPHRASE" >"$passfile"
  fi
  gpg --batch --yes --quiet --pinentry-mode loopback --passphrase-file "$passfile" \
    --decrypt --output "$work/backup.dump" "$backup" || die "could not decrypt $backup (wrong passphrase?)"
  backup="$work/backup.dump"
fi
pgtool pg_restore --list <"$backup" >/dev/null || die "$backup is not a pg_dump custom-format archive"

if ((new)); then
  exists=$(pgtool psql -X -At --dbname="$maint" -c "SELECT 1 FROM pg_database WHERE datname = '$dbname'")
  [[ -z $exists ]] || die "database $dbname exists; -n restores into a new database only (leave -n out to replace it)"
  log "creating database $dbname"
  pgtool psql -X -q --dbname="$maint" -c "CREATE DATABASE \"$dbname\"" >/dev/null
  clean=()
else
  others=$(pgtool psql -X -At --dbname="$target" -c "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
  if ((others > 0)); then
    log "warning: $others other sessions use $dbname; stop the services first or the restore waits for their locks and they see errors"
  fi
  if ((!yes)); then
    [[ -t 0 ]] || die "restoring into the existing database $dbname drops its tables: confirm with -y"
    read -r -p "This drops and re-creates every table of database '$dbname'. Type its name to go on: " answer
    [[ $answer == "$dbname" ]] || die "not confirmed; nothing changed"
  fi
  clean=(--clean --if-exists)
fi

log "restoring into $dbname"
started=$(date +%s)
if ! pgtool pg_restore --exit-on-error --single-transaction "${clean[@]}" "${owner[@]}" --dbname="$target" <"$backup"; then
  ((new)) && die "pg_restore failed and was rolled back: the new database $dbname is empty; drop it before trying again"
  die "pg_restore failed and was rolled back: $dbname is as it was"
fi
log "restored in $(($(date +%s) - started)) s"
for t in users follows messages; do
  printf '%-9s %s\n' "$t" "$(pgtool psql -X -At --dbname="$target" -c "SELECT count(*) FROM $t" 2>/dev/null || echo '-')"
done
