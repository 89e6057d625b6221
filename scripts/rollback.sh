#!/usr/bin/env bash
# rollback.sh [TAG] puts the MiniTwit stack back on an earlier image tag:
# TAG when given, otherwise the most recent tag in deploy.sh's history
# (stack/deploy-history, or DEPLOY_HISTORY) that deployed successfully and is
# not the one running now. It redeploys through deploy.sh without the migrate
# step: schema steps are additive, so older code runs on the newer schema,
# and nothing is ever migrated backwards.
#
# Swarm's own PreviousSpec is not used: after an automatic rollback it holds
# the failed version.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK=${STACK_NAME:-minitwit}
HISTORY=${DEPLOY_HISTORY:-$ROOT/stack/deploy-history}

die() { printf 'rollback: error: %s\n' "$*" >&2; exit 1; }

case ${1:-} in
  -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
esac

TAG=${1:-}
if [[ -z $TAG ]]; then
  running=$(docker service inspect -f '{{.Spec.TaskTemplate.ContainerSpec.Image}}' "${STACK}_web" 2>/dev/null) ||
    die "${STACK}_web not found: is the stack deployed, and is this a Swarm manager?"
  running=${running%@*}
  running=${running##*:}
  [[ -f $HISTORY ]] || die "no deployment history at $HISTORY; name the tag: rollback.sh TAG"
  TAG=$(awk -v cur="$running" '$3 == "deployed" && $2 != cur { tag = $2 } END { print tag }' "$HISTORY")
  [[ -n $TAG ]] || die "no earlier successful deployment than $running in $HISTORY; name the tag: rollback.sh TAG"
fi

printf 'rollback: redeploying %s\n' "$TAG" >&2
exec "$ROOT/scripts/deploy.sh" --no-migrate "$TAG"
