#!/usr/bin/env bash
# Step 5 of a database move, before the cut-over: logical replication copies
# rows, not sequences, so the target's id sequences still start at 1. Set
# each past the source's by MARGIN (default 100000): the old services keep
# inserting on the source during the rolling cut-over, and the ids they take
# must not be handed out again by the new services on the target.
#
#   SRC_URL=... DST_URL=... scripts/db-move/5-sequences.sh [MARGIN]
set -euo pipefail
# shellcheck source=scripts/db-move/lib.sh
source "$(dirname "$0")/lib.sh"

margin=${1:-100000}
[[ $margin =~ ^[0-9]+$ ]] || die "MARGIN must be a number"
for t in "${MOVE_SEQUENCED[@]}"; do
  seq=$(src "SELECT pg_get_serial_sequence('$t', 'id')")
  [[ -n $seq ]] || die "$t.id has no sequence on the source"
  # The sequence may be ahead of max(id) (rolled back inserts); take both.
  base=$(src "SELECT GREATEST((SELECT last_value FROM $seq), (SELECT coalesce(max(id), 0) FROM $t))")
  dseq=$(dst "SELECT pg_get_serial_sequence('$t', 'id')")
  next=$(dst "SELECT setval('$dseq', GREATEST($base + $margin, (SELECT last_value FROM $dseq)))")
  log "$t: source at $base, target sequence $dseq now at $next (margin $margin)"
done
log "sequences advanced; next: roll the services onto the target (docs/operations.md), then 6-finish.sh"
