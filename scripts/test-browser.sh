#!/usr/bin/env bash
# Runs the web UI's browser tests (services/web/browsertest): the real web
# UI on 127.0.0.1, driven by Debian's headless Chromium with JavaScript off,
# through sign-up, sign-in, posting, following and sign-out, plus forged
# requests from other origins. The Go test starts and stops the servers
# and the browser itself. A screenshot of the timeline is
# kept in a temporary directory whose path is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/common.sh
source scripts/lib/common.sh

ensure_packages chromium:chromium
command -v go >/dev/null || die "Go is required (https://go.dev/dl)"
chromium_bin=$(command -v chromium)
shots=$(mktemp -d /tmp/minitwit-browser-shots.XXXXXX)
out=$(mktemp /tmp/minitwit-browser-test.XXXXXX)
trap 'rm -f "$out"' EXIT

log "browser tests with $("$chromium_bin" --version 2>/dev/null || echo "$chromium_bin")"
status=0
(cd services/web &&
  MINITWIT_CHROMIUM=$chromium_bin MINITWIT_REQUIRE_CHROMIUM=1 MINITWIT_SCREENSHOT_DIR=$shots \
    go test -count=1 -v -timeout 3m ./browsertest/) >"$out" 2>&1 || status=$?

# One line per test, and the whole output when anything failed.
grep -E '^\s*--- (PASS|FAIL|SKIP)' "$out" | sed -E 's/^\s*--- (PASS|FAIL|SKIP): /\1 browser: /' || true
if ((status != 0)) || grep -qE -- '--- (FAIL|SKIP)' "$out"; then
  cat "$out" >&2
  echo "FAIL browser tests"
  exit 1
fi
echo "PASS browser tests (timeline screenshot: $shots/timeline.png)"
