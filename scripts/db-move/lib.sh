# shellcheck shell=bash
# Shared by the scripts of a zero-downtime database move (docs/operations.md,
# "Database move"). Source it; it reads:
#   SRC_URL       postgres:// URL of the current (source) database
#   DST_URL       postgres:// URL of the new (target) database
#   SUB_CONNINFO  how the target server reaches the source, as a libpq URL or
#                 conninfo (default SRC_URL; differs when the servers see each
#                 other under other names than the operator does)
#   MOVE_NAME     name of the publication, subscription and slot (minitwit_move)
#   ADMIN         the minitwit-admin binary (default: bin/minitwit-admin, or PATH)
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

[[ -n ${SRC_URL:-} && -n ${DST_URL:-} ]] || die "set SRC_URL and DST_URL (postgres:// URLs of the source and the target database)"
SUB_CONNINFO=${SUB_CONNINFO:-$SRC_URL}
MOVE_NAME=${MOVE_NAME:-minitwit_move}
[[ $MOVE_NAME =~ ^[a-z_][a-z0-9_]*$ ]] || die "MOVE_NAME must be lower-case letters, digits and _"
if [[ -z ${ADMIN:-} ]]; then
  if [[ -x $REPO_ROOT/bin/minitwit-admin ]]; then ADMIN=$REPO_ROOT/bin/minitwit-admin; else ADMIN=minitwit-admin; fi
fi
ensure_packages psql:postgresql-client

# The replicated tables. schema_migrations is left out: the target gets its
# schema from "minitwit-admin migrate", and copying its rows would collide.
MOVE_TABLES=(users follows messages simulator_latest)
# Tables whose ids come from a sequence, which logical replication does not carry.
# shellcheck disable=SC2034 # used by the step scripts
MOVE_SEQUENCED=(users messages)

src() { psql -X -q -v ON_ERROR_STOP=1 -At --dbname="$SRC_URL" -c "$1"; }
dst() { psql -X -q -v ON_ERROR_STOP=1 -At --dbname="$DST_URL" -c "$1"; }

# sql_literal VALUE quotes VALUE as an SQL string literal.
sql_literal() { printf "'%s'" "${1//\'/\'\'}"; }

# slot_lag_bytes prints how far the subscription's slot trails the source's
# WAL, or nothing when the slot does not exist.
slot_lag_bytes() {
  src "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint FROM pg_replication_slots WHERE slot_name = '$MOVE_NAME'"
}

# tables_not_ready prints how many tables have not finished their initial copy.
tables_not_ready() {
  dst "SELECT count(*) FROM pg_subscription_rel r JOIN pg_subscription s ON s.oid = r.srsubid WHERE s.subname = '$MOVE_NAME' AND r.srsubstate <> 'r'"
}

# apply_errors prints the subscription's apply and initial-copy error counts
# (PostgreSQL 15+); a stuck subscription shows here and in the target's log.
apply_errors() {
  dst "SELECT apply_error_count + sync_error_count FROM pg_stat_subscription_stats WHERE subname = '$MOVE_NAME'"
}

# show_status prints one line per table (rows and max id on both sides) and
# the subscription's lag and errors.
show_status() {
  local t s d idcol
  printf '%-17s %22s %22s\n' table "source rows/max id" "target rows/max id" >&2
  for t in "${MOVE_TABLES[@]}"; do
    idcol=id
    [[ $t == follows ]] && idcol=who_id
    # The target first: while the source serves, it only gets ahead.
    d=$(dst "SELECT count(*) || '/' || coalesce(max($idcol), 0) FROM $t")
    s=$(src "SELECT count(*) || '/' || coalesce(max($idcol), 0) FROM $t")
    printf '%-17s %22s %22s\n' "$t" "$s" "$d" >&2
  done
  printf 'slot lag: %s bytes, tables still copying: %s, apply errors: %s\n' \
    "$(slot_lag_bytes)" "$(tables_not_ready)" "$(apply_errors)" >&2
}
