#!/usr/bin/env bash
# Builds and starts the whole MiniTwit system in one process on
# http://127.0.0.1:${PORT:-8080}: web UI at /, simulator API at /api/.
# Database: DATABASE_URL (a postgres:// URL) when set, otherwise the embedded
# SQLite file ./data/minitwit.db, created on first start. Ctrl-C or SIGTERM
# stops it cleanly (in-flight requests finish first).
set -euo pipefail
cd "$(dirname "$0")/.."

export PORT=${PORT:-8080}
export DATABASE_URL=${DATABASE_URL:-./data/minitwit.db}

mkdir -p bin
echo "building bin/minitwit ..." >&2
go build -o bin/minitwit minitwit/minitwit/cmd/minitwit
echo "MiniTwit on http://127.0.0.1:${PORT} (API at http://127.0.0.1:${PORT}/api/)" >&2
# exec: the signal from Ctrl-C or SIGTERM goes straight to the server.
exec bin/minitwit
