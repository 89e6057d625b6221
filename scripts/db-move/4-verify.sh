#!/usr/bin/env bash
# Step 4 of a database move: compare source and target.
#
#   SRC_URL=... DST_URL=... scripts/db-move/4-verify.sh [--final [--strict-follows]]
#
# Without --final (the source still serving): rows and max ids per table on
# both sides, the lag, and no replication errors; the target may trail.
# --final (the old services stopped, so the source is quiet): waits until
# the target has applied everything the source wrote, then requires, over
# the source's id range, the same count, max id and content checksum of
# users and messages (immutable columns: a sign-in that upgrades a password
# hash or a flag set on the new side is no difference), and every source
# follow present on the target, or else a warning: an unfollow through the
# new services removes a pair on purpose. --strict-follows makes a missing
# pair a failure (when nobody can have unfollowed there yet, as in the drill).
set -euo pipefail
# shellcheck source=scripts/db-move/lib.sh
source "$(dirname "$0")/lib.sh"

final=0 strict=0
for a in "$@"; do
  case $a in
    --final) final=1 ;;
    --strict-follows) strict=1 ;;
    *) die "unknown argument $a (known: --final, --strict-follows)" ;;
  esac
done

[[ -n $(dst "SELECT 1 FROM pg_subscription WHERE subname = '$MOVE_NAME'") ]] || die "no subscription $MOVE_NAME on the target"
show_status
errors=$(apply_errors)
((${errors:-0} == 0)) || die "the subscription reports $errors errors: read the target's server log"
if ((!final)); then
  for t in "${MOVE_SEQUENCED[@]}"; do
    # The target first: the source only grows meanwhile.
    d=$(dst "SELECT coalesce(max(id), 0) FROM $t")
    s=$(src "SELECT coalesce(max(id), 0) FROM $t")
    ((d <= s)) || die "$t: the target has ids up to $d beyond the source's $s before the cut-over: something writes to the target"
  done
  log "verified while replicating: no errors, the target trails or matches the source"
  exit 0
fi

# Wait for the target to confirm the source's WAL position as of now.
lsn=$(src "SELECT pg_current_wal_lsn()")
deadline=$(($(date +%s) + ${TIMEOUT:-120}))
until [[ $(src "SELECT pg_wal_lsn_diff(confirmed_flush_lsn, '$lsn') >= 0 FROM pg_replication_slots WHERE slot_name = '$MOVE_NAME'") == t ]]; do
  (($(date +%s) < deadline)) || die "the target did not confirm source position $lsn within ${TIMEOUT:-120} s"
  sleep 0.2
done
log "the target has applied the source up to $lsn"

# content_sum TABLE COLUMNS MAXID: rows, max id and an order-free checksum
# (sum of per-row md5 prefixes) of the rows with id <= MAXID.
content_sum() {
  printf "SELECT count(*) || ' ' || coalesce(max(id), 0) || ' ' || coalesce(sum(('x' || substr(md5(%s), 1, 15))::bit(60)::bigint), 0) FROM %s WHERE id <= %s" "$2" "$1" "$3"
}
failed=0
for spec in "users:id || ',' || username" "messages:id || ',' || author_id || ',' || pub_date || ',' || text"; do
  t=${spec%%:*} cols=${spec#*:}
  maxid=$(src "SELECT coalesce(max(id), 0) FROM $t")
  s=$(src "$(content_sum "$t" "$cols" "$maxid")")
  d=$(dst "$(content_sum "$t" "$cols" "$maxid")")
  if [[ $s == "$d" ]]; then
    printf 'PASS %-9s ids 1..%s: rows, max id, checksum equal (%s)\n' "$t" "$maxid" "$s" >&2
  else
    printf 'FAIL %-9s ids 1..%s: source %s, target %s (rows max-id checksum)\n' "$t" "$maxid" "$s" "$d" >&2
    failed=1
  fi
done

# Follows have no id: count the source pairs the target lacks, in one target
# session that loads the source's pairs into a temporary table.
read -r missing extra < <(psql -X -q -At --dbname="$SRC_URL" -c "COPY follows (who_id, whom_id) TO STDOUT" |
  psql -X -q -v ON_ERROR_STOP=1 -At -F ' ' --dbname="$DST_URL" \
    -c "CREATE TEMP TABLE source_follows (who_id bigint, whom_id bigint)" \
    -c "COPY source_follows FROM STDIN" \
    -c "SELECT (SELECT count(*) FROM source_follows s WHERE NOT EXISTS (SELECT 1 FROM follows f WHERE f.who_id = s.who_id AND f.whom_id = s.whom_id)),
               (SELECT count(*) FROM follows f WHERE NOT EXISTS (SELECT 1 FROM source_follows s WHERE f.who_id = s.who_id AND f.whom_id = s.whom_id))")
if ((missing > 0 && strict)); then
  printf 'FAIL follows   %s source pairs missing on the target\n' "$missing" >&2
  failed=1
elif ((missing > 0)); then
  printf 'WARN follows   %s source pairs missing on the target: unfollowed through the new services since the cut-over, or lost\n' "$missing" >&2
else
  printf 'PASS follows   every source pair is on the target (%s added there since the cut-over)\n' "$extra" >&2
fi
((!failed)) || die "final verification FAILED: keep the subscription and the old database; see docs/operations.md"
log "final verification passed"
