#!/usr/bin/env bash
# Step 2 of a database move: publish the tables on the source and subscribe
# the target to them. The subscription copies the existing rows first, then
# streams every later change; the source keeps serving throughout.
#
#   SRC_URL=... DST_URL=... [SUB_CONNINFO=...] scripts/db-move/2-replicate.sh
set -euo pipefail
# shellcheck source=scripts/db-move/lib.sh
source "$(dirname "$0")/lib.sh"

tables=$(IFS=,; echo "${MOVE_TABLES[*]}")
log "creating publication $MOVE_NAME on the source for ${tables//,/, }"
src "CREATE PUBLICATION $MOVE_NAME FOR TABLE ${tables//,/, }"
log "creating subscription $MOVE_NAME on the target (copy_data = true)"
# CREATE SUBSCRIPTION creates the slot on the source over SUB_CONNINFO.
dst "CREATE SUBSCRIPTION $MOVE_NAME CONNECTION $(sql_literal "$SUB_CONNINFO") PUBLICATION $MOVE_NAME WITH (copy_data = true)" ||
  die "CREATE SUBSCRIPTION failed: can the target server reach the source as SUB_CONNINFO says? (the publication is left; 6-finish.sh removes it)"
log "replicating; next: 3-wait.sh"
