#!/usr/bin/env bash
# Step 3 of a database move: wait until the initial copy is done and the
# target trails the source by at most MAX_LAG_BYTES of WAL (default 1 MiB),
# printing the progress. Fails after TIMEOUT seconds (default 600) or at
# the first replication error.
#
#   SRC_URL=... DST_URL=... scripts/db-move/3-wait.sh
set -euo pipefail
# shellcheck source=scripts/db-move/lib.sh
source "$(dirname "$0")/lib.sh"

max_lag=${MAX_LAG_BYTES:-1048576}
deadline=$(($(date +%s) + ${TIMEOUT:-600}))
last_print=0
while :; do
  copying=$(tables_not_ready)
  lag=$(slot_lag_bytes)
  errors=$(apply_errors)
  [[ -n $lag ]] || die "no replication slot $MOVE_NAME on the source: was 2-replicate.sh run?"
  ((${errors:-0} == 0)) || { show_status; die "the subscription reports errors: read the target's server log (duplicate key? see docs/operations.md)"; }
  if ((copying == 0 && lag <= max_lag)); then
    show_status
    log "caught up: initial copy done, lag $lag bytes; next: 4-verify.sh, 5-sequences.sh"
    exit 0
  fi
  now=$(date +%s)
  ((now < deadline)) || { show_status; die "not caught up after ${TIMEOUT:-600} s"; }
  if ((now - last_print >= 5)); then
    log "waiting: $copying tables still copying, lag $lag bytes"
    last_print=$now
  fi
  sleep 0.5
done
