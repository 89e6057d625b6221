#!/usr/bin/env bash
# Runs every MiniTwit test on this machine. It installs what is missing
# (Debian packages, Go modules from the proxy); the tests start what they
# need themselves (throwaway PostgreSQL clusters, NGINX, Prometheus, Chromium,
# the services) on 127.0.0.1 and remove it again.
#
#   scripts/test.sh              everything
#   SKIP_E2E=1 scripts/test.sh   only static checks and unit/contract tests
#   E2E_RUN=Gateway scripts/test.sh   only the end-to-end checks matching -run
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/common.sh
source scripts/lib/common.sh

started=$(date +%s)
step() { log "$* ($(($(date +%s) - started)) s)"; }
cleanup() { pg_stop TESTPG; }
trap cleanup EXIT

step "installing missing tools"
ensure_packages "$PG_BIN/initdb:postgresql-15" curl:curl shellcheck:shellcheck \
  nginx:nginx-light openssl:openssl envsubst:gettext-base promtool:prometheus \
  prometheus-alertmanager:prometheus-alertmanager amtool:prometheus-alertmanager \
  prometheus-node-exporter:prometheus-node-exporter \
  prometheus-postgres-exporter:prometheus-postgres-exporter \
  prometheus-nginx-exporter:prometheus-nginx-exporter \
  prometheus-blackbox-exporter:prometheus-blackbox-exporter \
  chromium:chromium npm:npm gpg:gnupg aws:awscli docker:docker.io dockerd:docker.io \
  debootstrap:debootstrap nft:nftables containerd:containerd \
  nsenter:util-linux unshare:util-linux ip:iproute2 zbarimg:zbar-tools
command -v go >/dev/null || die "Go is required (https://go.dev/dl), see README"

# Every package of the workspace's modules (go.work), in one call each.
mapfile -t unit_pkgs < <(go list minitwit/... | grep -v '^minitwit/e2e$')

step "gofmt, go vet, staticcheck"
unformatted=$(gofmt -l services)
[[ -z $unformatted ]] || die "gofmt needed on: $unformatted"
go vet minitwit/...
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 minitwit/...
# promqlcheck is its own module outside the workspace, so the services do
# not inherit Prometheus' dependency tree.
(cd services/tools/promqlcheck && GOWORK=off go vet ./... && GOWORK=off go test -count=1 ./...)

step "shellcheck"
mapfile -t shell_files < <(git ls-files '*.sh' .ci/run)
shellcheck -x "${shell_files[@]}"
step "actionlint"
go run github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
step "infrastructure code (Terraform fmt/validate, cloud-init)"
scripts/infra-check.sh

step "starting a throwaway PostgreSQL"
pg_start TESTPG
export MINITWIT_TEST_PG_URL=$TESTPG_URL MINITWIT_REQUIRE_PG=1

step "go test -race (unit and contract tests on SQLite and PostgreSQL)"
go test -race -count=1 "${unit_pkgs[@]}"

# The seed corpora already ran above; this explores beyond them for a fixed
# time per target, on SQLite and the throwaway PostgreSQL. A crasher is
# written to the package's testdata/fuzz/<Target>/ (commit it with the fix).
# -fuzzminimizetime: the default 60 s of shrinking stalls short runs.
step "fuzzing (${FUZZ_TIME:=15s} per target)"
fuzz() { go test -run '^$' -fuzz "^$1\$" -fuzztime "$FUZZ_TIME" -fuzzminimizetime 5s "$2"; }
fuzz FuzzAPI ./services/api/apihttp
fuzz FuzzForms ./services/web/webui
fuzz FuzzCookie ./services/web/webui
fuzz FuzzCursor ./services/web/webui
pg_stop TESTPG

if [[ ${SKIP_E2E:-0} == 1 ]]; then
  log "SKIP_E2E=1: end-to-end suites not run"
  exit 0
fi

step "end-to-end suites (services/e2e)"
# -v: every check's name and time is in the log; a failure prints the
# started processes' last log lines.
go test -count=1 -timeout 60m -v -run "${E2E_RUN:-.}" ./services/e2e

for part in browser gateway monitoring dataops; do
  if [[ -x scripts/test-$part.sh ]]; then
    step "scripts/test-$part.sh"
    "scripts/test-$part.sh"
  fi
done

step "all tests passed"
