#!/usr/bin/env bash
# Step 1 of a database move: check the source can publish, give the target
# the current schema (minitwit-admin migrate) and make sure it holds no rows,
# because the subscription's initial copy would collide with them.
#
#   SRC_URL=... DST_URL=... scripts/db-move/1-prepare.sh
set -euo pipefail
# shellcheck source=scripts/db-move/lib.sh
source "$(dirname "$0")/lib.sh"

[[ $(src "SHOW wal_level") == logical ]] ||
  die "the source has wal_level=$(src "SHOW wal_level"): set it to logical (ALTER SYSTEM SET wal_level = logical) and restart the source first"
free=$(src "SELECT current_setting('max_replication_slots')::int - count(*) FROM pg_replication_slots")
((free >= 2)) || die "the source has $free free replication slots; the move needs 2 (one more while the initial copy runs)"
[[ -z $(src "SELECT 1 FROM pg_publication WHERE pubname = '$MOVE_NAME'") ]] ||
  die "publication $MOVE_NAME exists on the source: a move is already under way (scripts/db-move/6-finish.sh ends one)"

log "migrating the target schema"
DATABASE_URL=$DST_URL "$ADMIN" migrate up
sv=$(src "SELECT max(version) FROM schema_migrations")
dv=$(dst "SELECT max(version) FROM schema_migrations")
[[ $sv == "$dv" ]] || die "schema versions differ: source $sv, target $dv; run minitwit-admin migrate up on the source first"

for t in "${MOVE_TABLES[@]}"; do
  n=$(dst "SELECT count(*) FROM $t")
  ((n == 0)) || die "target table $t has $n rows; the move needs an empty target (drop and re-create the target database)"
done
log "prepared: target at schema version $dv and empty; next: 2-replicate.sh"
