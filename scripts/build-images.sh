#!/usr/bin/env bash
# build-images.sh TAG builds MiniTwit's four images tagged TAG:
# $REGISTRY/minitwit-{web,api,follower} from services/Dockerfile (context: the
# repository's top level) and $REGISTRY/minitwit-gateway from gateway/.
#
# Environment:
#   REGISTRY       image name prefix (default "minitwit")
#   COMMIT         recorded in the binaries (default: git rev-parse --short HEAD)
#   DOCKER         the docker CLI to use (default "docker")
#   BUILD_ARGS     extra "--build-arg K=V" words for every build, e.g. local base
#                  images (GO_IMAGE, RUNTIME_IMAGE, NGINX_IMAGE)
#   PUSH=1         push each image after building it
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/common.sh
source scripts/lib/common.sh

TAG=${1:?usage: build-images.sh TAG}
REGISTRY=${REGISTRY:-minitwit}
COMMIT=${COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}
DOCKER=${DOCKER:-docker}
read -r -a extra <<<"${BUILD_ARGS:-}"

# service  http-port  metrics-port
while read -r svc port mport; do
  log "building $REGISTRY/minitwit-$svc:$TAG"
  "$DOCKER" build -q -f services/Dockerfile "${extra[@]}" \
    --build-arg SERVICE="$svc" --build-arg PORT="$port" --build-arg METRICS_PORT="$mport" \
    --build-arg VERSION="$TAG" --build-arg COMMIT="$COMMIT" \
    -t "$REGISTRY/minitwit-$svc:$TAG" . >/dev/null
done <<'TABLE'
web      8081 9081
api      8082 9082
follower 8083 9083
TABLE

log "building $REGISTRY/minitwit-gateway:$TAG"
"$DOCKER" build -q "${extra[@]}" -t "$REGISTRY/minitwit-gateway:$TAG" gateway >/dev/null

if [[ ${PUSH:-0} == 1 ]]; then
  for s in web api follower gateway; do "$DOCKER" push "$REGISTRY/minitwit-$s:$TAG"; done
fi
