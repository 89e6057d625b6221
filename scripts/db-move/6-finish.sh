#!/usr/bin/env bash
# Step 6 of a database move, after every service runs on the target and the
# old ones are stopped: final verification, then drop the subscription with
# its replication slot on the source, and the publication. A slot left behind
# makes the source keep WAL forever (its disk fills) and a subscription left
# behind keeps applying whatever still reaches the old database.
#
#   SRC_URL=... DST_URL=... scripts/db-move/6-finish.sh [--strict-follows]
set -euo pipefail
# shellcheck source=scripts/db-move/lib.sh
source "$(dirname "$0")/lib.sh"

# Refuse while the source still takes writes: what reaches it after the
# subscription is gone would be lost.
writes() { src "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables"; }
before=$(writes)
sleep "${QUIET_CHECK_SECONDS:-3}"
after=$(writes)
((before == after)) || die "the source still takes writes ($((after - before)) rows in ${QUIET_CHECK_SECONDS:-3} s): stop the old services first"

"$(dirname "$0")/4-verify.sh" --final "$@"

log "dropping subscription $MOVE_NAME on the target (this drops its slot on the source)"
if ! dst "DROP SUBSCRIPTION IF EXISTS $MOVE_NAME"; then
  log "the target could not drop the slot through the source; detaching the subscription from it"
  dst "ALTER SUBSCRIPTION $MOVE_NAME DISABLE"
  dst "ALTER SUBSCRIPTION $MOVE_NAME SET (slot_name = NONE)"
  dst "DROP SUBSCRIPTION $MOVE_NAME"
  src "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$MOVE_NAME' AND NOT active"
fi
src "DROP PUBLICATION IF EXISTS $MOVE_NAME"

[[ -z $(dst "SELECT subname FROM pg_subscription WHERE subname = '$MOVE_NAME'") ]] || die "subscription $MOVE_NAME still exists on the target"
left=$(src "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$MOVE_NAME' OR slot_name LIKE 'pg\_%\_sync\_%'")
((left == 0)) || die "$left replication slots of this move remain on the source: drop them with pg_drop_replication_slot"
others=$(src "SELECT string_agg(slot_name || CASE WHEN active THEN '' ELSE ' (inactive)' END, ', ') FROM pg_replication_slots")
[[ -z $others ]] || log "warning: other replication slots on the source, not from this move: $others"
log "move finished: no subscription on the target, no slot of it on the source"
