#!/usr/bin/env bash
# Runs every MiniTwit test on this machine. It installs what is missing
# (Debian packages, Go modules from the proxy) and starts what the tests need
# itself: a throwaway PostgreSQL cluster on 127.0.0.1, removed afterwards.
#
#   scripts/test.sh          everything
#   SKIP_E2E=1 scripts/test.sh   only static checks and Go tests (quick loop)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/common.sh
source scripts/lib/common.sh

MODULES=(shared follower api web minitwit)
REPLAY_ACTIONS=${REPLAY_ACTIONS:-6000}
started=$(date +%s)
work=$(mktemp -d /tmp/minitwit-test.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pg_stop TESTPG
  rm -rf "$work"
}
trap cleanup EXIT

log "installing missing tools"
ensure_packages "$PG_BIN/initdb:postgresql-15" curl:curl jq:jq shellcheck:shellcheck \
  nginx:nginx-light openssl:openssl promtool:prometheus
command -v go >/dev/null || die "Go is required (https://go.dev/dl), see README"

log "building binaries"
mkdir -p bin
(cd services && go build -o ../bin/ minitwit/minitwit/cmd/... minitwit/web/cmd/web minitwit/api/cmd/api minitwit/follower/cmd/follower)

log "gofmt, go vet, staticcheck"
unformatted=$(gofmt -l services)
[[ -z $unformatted ]] || die "gofmt needed on: $unformatted"
for m in "${MODULES[@]}"; do (cd "services/$m" && go vet ./...); done
for m in "${MODULES[@]}"; do (cd "services/$m" && go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...); done

log "shellcheck"
mapfile -t shell_files < <(git ls-files '*.sh' .ci/run)
shellcheck -x "${shell_files[@]}"
if compgen -G ".github/workflows/*.yml" >/dev/null; then
  log "actionlint"
  go run github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
fi

log "starting a throwaway PostgreSQL"
pg_start TESTPG
export MINITWIT_TEST_PG_URL=$TESTPG_URL MINITWIT_REQUIRE_PG=1

log "go test -race (unit and contract tests on SQLite and PostgreSQL)"
for m in "${MODULES[@]}"; do (cd "services/$m" && go test -race -count=1 ./...); done

if [[ ${SKIP_E2E:-0} == 1 ]]; then
  log "SKIP_E2E=1: end-to-end parts not run"
  exit 0
fi

# replay_on NAME DATABASE_URL: the one-process system on that database gets a
# generated scenario through its API; any error fails.
replay_on() {
  local name=$1 db=$2 port mport
  port=$(free_port) mport=$(free_port)
  PORT=$port METRICS_ADDR=127.0.0.1:$mport DATABASE_URL=$db LOG_LEVEL=warn \
    bin/minitwit >"$work/minitwit-$name.log" 2>&1 &
  pids+=($!)
  local pid=$!
  wait_http "http://127.0.0.1:$port/readyz" 60
  log "replaying $REPLAY_ACTIONS actions against the one-process system on $name"
  bin/replay -fresh -base "http://127.0.0.1:$port/api" "$work/scenario.tsv" ||
    { tail -20 "$work/minitwit-$name.log" >&2; die "replay on $name logged errors"; }
  kill -TERM "$pid"
  wait "$pid" || die "minitwit on $name did not stop cleanly on SIGTERM"
}

bin/scenariogen -users 300 -actions "$REPLAY_ACTIONS" -seed 42 >"$work/scenario.tsv"
replay_on sqlite "$work/replay.db"
psql -q "$TESTPG_URL" -c "CREATE DATABASE replay" >/dev/null
replay_on postgres "${TESTPG_URL%/minitwit*}/replay?sslmode=disable"

for part in browser gateway monitoring dataops; do
  if [[ -x scripts/test-$part.sh ]]; then
    log "scripts/test-$part.sh"
    "scripts/test-$part.sh"
  fi
done

log "all tests passed in $(($(date +%s) - started)) s"
