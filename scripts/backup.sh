#!/usr/bin/env bash
# Operator backup of the MiniTwit database: pg_dump in custom format to a
# file, checked readable, optionally encrypted and uploaded to S3-compatible
# storage. The stack's backup service (stack/backup.yml) does the same every
# few hours; this is for the moment before a risky change. docs/operations.md
# has the runbook.
#
#   DATABASE_URL=postgres://user@host:5432/minitwit scripts/backup.sh [-o FILE] [-e] [-u s3://bucket/prefix/]
#
#   -o FILE  where to write (default ./minitwit-<UTC time>.dump)
#   -e       encrypt with gpg (AES256, symmetric) using BACKUP_PASSPHRASE or the
#            file named by BACKUP_PASSPHRASE_FILE; writes FILE.gpg, the same
#            format as the backup service, and removes the plain dump
#   -u URI   upload with `aws s3 cp` (S3_ENDPOINT_URL for non-AWS storage,
#            credentials as the aws CLI reads them)
# DATABASE_PASSWORD or DATABASE_PASSWORD_FILE supply the password as for the
# services. PG_CONTAINER=ID runs pg_dump inside that container instead (the
# stack's postgres task: its network has no route from the host); DATABASE_URL
# is then as seen in there, e.g. postgresql://minitwit@/minitwit (its socket).
# Prints the written file's path on stdout.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "$0")/lib/common.sh"

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

out="" encrypt=0 upload=""
while getopts "o:eu:h" opt; do
  case $opt in
    o) out=$OPTARG ;;
    e) encrypt=1 ;;
    u) upload=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
(($# == 0)) || usage
[[ -n ${DATABASE_URL:-} ]] || die "DATABASE_URL is not set"
[[ $DATABASE_URL == postgres://* || $DATABASE_URL == postgresql://* ]] || die "DATABASE_URL must be a postgres:// URL"

# pgtool runs a PostgreSQL client program here or in PG_CONTAINER.
pgtool() {
  if [[ -n ${PG_CONTAINER:-} ]]; then docker exec -i "$PG_CONTAINER" "$@"; else "$@"; fi
}
[[ -n ${PG_CONTAINER:-} ]] || ensure_packages pg_dump:postgresql-client pg_restore:postgresql-client
if [[ -n ${DATABASE_PASSWORD_FILE:-} ]]; then
  PGPASSWORD=$(<"$DATABASE_PASSWORD_FILE")
  export PGPASSWORD
elif [[ -n ${DATABASE_PASSWORD:-} ]]; then
  export PGPASSWORD=$DATABASE_PASSWORD
fi

out=${out:-./minitwit-$(date -u +%Y%m%dT%H%M%SZ).dump}
[[ ! -e $out ]] || die "$out exists; choose another -o"
tmp="$out.partial"
trap 'rm -f "$tmp"' EXIT

log "pg_dump -Fc of $(printf '%s' "$DATABASE_URL" | sed -E 's#(://[^:/@]*):[^@]*@#\1:xxxxx@#')"
started=$(date +%s)
pgtool pg_dump --format=custom --dbname="$DATABASE_URL" >"$tmp" || die "pg_dump failed"
# A dump that pg_restore cannot list is no backup; find out now, not at restore time.
toc=$(pgtool pg_restore --list <"$tmp") || die "the dump is not readable by pg_restore"
entries=$(grep -c ' TABLE DATA ' <<<"$toc" || true)
mv "$tmp" "$out"
log "wrote $out: $(du -h "$out" | cut -f1), $entries tables with data, in $(($(date +%s) - started)) s"

if ((encrypt)); then
  ensure_packages gpg:gnupg
  passfile=${BACKUP_PASSPHRASE_FILE:-}
  if [[ -z $passfile ]]; then
    [[ -n ${BACKUP_PASSPHRASE:-} ]] || die "-e needs BACKUP_PASSPHRASE or BACKUP_PASSPHRASE_FILE"
    passfile=$(mktemp)
    trap 'rm -f "$tmp" "$passfile"' EXIT
    printf '%s' "$BACKUP_PASSPHRASE" >"$passfile"
  fi
  gpg --batch --yes --quiet --pinentry-mode loopback --passphrase-file "$passfile" \
    --symmetric --cipher-algo AES256 --output "$out.gpg" "$out"
  rm -f "$out"
  out="$out.gpg"
  log "encrypted to $out"
fi

if [[ -n $upload ]]; then
  ensure_packages aws:awscli
  endpoint=()
  [[ -z ${S3_ENDPOINT_URL:-} ]] || endpoint=(--endpoint-url "$S3_ENDPOINT_URL")
  [[ $upload == */ ]] && upload="$upload$(basename "$out")"
  aws "${endpoint[@]}" s3 cp --only-show-errors "$out" "$upload"
  log "uploaded to $upload"
fi
printf '%s\n' "$out"
