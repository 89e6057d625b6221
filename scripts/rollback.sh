#!/usr/bin/env bash
# rollback.sh [TAG] puts the MiniTwit stack back on an earlier image tag:
# TAG when given, otherwise the tag the web service ran before its last
# update (Swarm keeps that previous spec). It redeploys through deploy.sh
# without the migrate step: schema steps are additive, so older code runs on
# the newer schema, and nothing is ever migrated backwards.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK=${STACK_NAME:-minitwit}

die() { printf 'rollback: error: %s\n' "$*" >&2; exit 1; }

case ${1:-} in
  -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
esac

TAG=${1:-}
if [[ -z $TAG ]]; then
  previous=$(docker service inspect -f '{{with .PreviousSpec}}{{.TaskTemplate.ContainerSpec.Image}}{{end}}' "${STACK}_web" 2>/dev/null) ||
    die "${STACK}_web not found: is the stack deployed, and is this a Swarm manager?"
  [[ -n $previous ]] || die "${STACK}_web has no previous version; name the tag: rollback.sh TAG"
  ref=${previous%@*}
  TAG=${ref##*:}
  [[ $ref == *:* && $TAG != */* ]] || die "cannot read a tag from '$previous'; name the tag: rollback.sh TAG"
fi

printf 'rollback: redeploying %s\n' "$TAG" >&2
exec "$ROOT/scripts/deploy.sh" --no-migrate "$TAG"
