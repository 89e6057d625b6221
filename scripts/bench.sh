#!/usr/bin/env bash
# Measures MiniTwit against the targets of issue 10 and writes docs/performance.md.
#
# For each dataset (10,000 and 5,000,000 messages, seeded by `minitwit-admin seed`
# and cached under $BENCH_CACHE), on a private PostgreSQL 15 cluster with fsync and
# synchronous_commit on, with the all-in-one `minitwit` binary:
#   1. captures the SQL the service issues for each endpoint from the server log
#      (log_statement=all, one request at a time) into scripts/bench/<endpoint>.sql;
#   2. runs the load tool per endpoint at $BENCH_CONNECTIONS connections for
#      $BENCH_SECONDS s, then pgbench with the captured SQL at the same concurrency
#      (the database's own ceiling for that request);
#   3. replays a generated simulator scenario against the service and against
#      nullserver (a do-nothing API) to get the per-action server time.
# Then benchreport turns the figures into docs/performance.md.
#
# Usage: scripts/bench.sh                 full run (about 12 minutes on 2 busy cores, cache filled)
#        BENCH_QUICK=1 scripts/bench.sh    tiny datasets, 2 s runs, report and SQL to /tmp
# Environment: BENCH_SECONDS (10), BENCH_CONNECTIONS (32), BENCH_CACHE
# (/var/cache/minitwit-bench), BENCH_OUT (docs/performance.md, quick: under /tmp),
# BENCH_KEEP=1 keeps the work directory (logs, raw figures), BENCH_COMMITTED=1
# measures the committed HEAD (built from `git archive HEAD`) instead of the working tree.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$REPO_ROOT"

QUICK=${BENCH_QUICK:-0}
CONNS=${BENCH_CONNECTIONS:-32}
CACHE=${BENCH_CACHE:-/var/cache/minitwit-bench}
if [[ $QUICK == 1 ]]; then
  SECONDS_PER_RUN=${BENCH_SECONDS:-2}
  # label:users:messages:follows
  DATASETS=(q2k:3000:2000:30000 q20k:3000:20000:30000)
  REPLAY_USERS=50 REPLAY_ACTIONS=1000
  OUT=${BENCH_OUT:-/tmp/minitwit-bench-quick.md}
  SQL_DIR=/tmp/minitwit-bench-quick-sql # the committed scripts stay those of a full run
else
  SECONDS_PER_RUN=${BENCH_SECONDS:-10}
  DATASETS=(10k:100000:10000:1000000 5M:100000:5000000:1000000)
  REPLAY_USERS=300 REPLAY_ACTIONS=10000
  OUT=${BENCH_OUT:-docs/performance.md}
  SQL_DIR=scripts/bench
fi
# Endpoints whose service CPU profile the report shows (a separate short run).
PROFILED=(public home-heavy api-msgs tweet)
ENDPOINTS=(public public-page1000 user-popular user-light home-heavy api-msgs api-msgs-user api-fllws-heavy tweet)
SIM_AUTH=simulator:super_safe!
started=$(date +%s)

progress() { log "[$(($(date +%s) - started))s] $*"; }

ensure_packages curl:curl jq:jq "$PG_BIN/pgbench:postgresql-15" "$PG_BIN/pg_test_fsync:postgresql-15"
WORK=$(mktemp -d /tmp/minitwit-bench.XXXXXX)
RESULTS=$WORK/results
mkdir -p "$RESULTS" "$WORK/bin" "$CACHE"
cp /proc/loadavg "$RESULTS/loadavg.start"

PIDS=()
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  pg_stop BENCH
  if [[ ${BENCH_KEEP:-0} == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

SRC=$REPO_ROOT
COMMIT=$(git rev-parse --short HEAD)
if [[ ${BENCH_COMMITTED:-0} == 1 ]]; then
  SRC=$WORK/src
  mkdir -p "$SRC"
  git archive HEAD | tar -x -C "$SRC"
elif ! git diff --quiet HEAD -- services go.work; then
  COMMIT="$COMMIT + uncommitted changes"
fi
progress "building $COMMIT"
(cd "$SRC" && go build -o "$WORK/bin/" minitwit/minitwit/cmd/minitwit minitwit/minitwit/cmd/minitwit-admin \
  minitwit/tools/cmd/load minitwit/tools/cmd/replay minitwit/tools/cmd/scenariogen \
  minitwit/tools/cmd/nullserver minitwit/tools/cmd/benchreport)
BIN=$WORK/bin

progress "starting PostgreSQL (fsync on, synchronous_commit on)"
pg_start BENCH
psql_admin() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$BENCH_PORT" -U postgres "$@"; }
psql_admin -d postgres <<'SQL'
ALTER SYSTEM SET shared_buffers = '1GB';
ALTER SYSTEM SET synchronous_commit = 'on';
ALTER SYSTEM SET fsync = 'on';
ALTER SYSTEM SET log_line_prefix = '%m [%p] ';
ALTER SYSTEM SET maintenance_work_mem = '512MB';
ALTER SYSTEM SET max_wal_size = '4GB';
SQL
as_pg "$PG_BIN/pg_ctl" -D "$BENCH_DIR/data" -l "$BENCH_DIR/server.log" -w -t 120 restart >/dev/null
PG_LOG=$BENCH_DIR/server.log
"$PG_BIN/postgres" --version >"$RESULTS/pg_version.txt"
progress "pg_test_fsync (durable commit cost of this disk)"
as_pg "$PG_BIN/pg_test_fsync" -s 1 -f "$BENCH_DIR/fsync.test" >"$RESULTS/pg_test_fsync.txt" 2>&1 || true

db_url() { printf 'postgres://postgres@127.0.0.1:%s/%s?sslmode=disable' "$BENCH_PORT" "$1"; }

# load_dataset LABEL USERS MESSAGES FOLLOWS creates database bench_LABEL from the
# cache, or seeds it and fills the cache. The cache key holds the seeder's source,
# so a changed seeder reseeds; the schema is brought up to date by migrate either way.
load_dataset() {
  local label=$1 users=$2 messages=$3 follows=$4 db=bench_${1,,} key dump
  key=$(cat "$SRC"/services/minitwit/admin/seed*.go | sha256sum | cut -c1-12)
  dump=$CACHE/$label-u$users-m$messages-f$follows-$key.dump
  psql_admin -d postgres -c "CREATE DATABASE $db"
  if [[ -s $dump && -s $dump.manifest.json ]]; then
    progress "dataset $label: restoring $dump"
    "$PG_BIN/pg_restore" -h 127.0.0.1 -p "$BENCH_PORT" -U postgres -d "$db" -j 2 "$dump"
    cp "$dump.manifest.json" "$RESULTS/$label/manifest.json"
    DATABASE_URL=$(db_url "$db") "$BIN/minitwit-admin" migrate >/dev/null
  else
    progress "dataset $label: seeding $users users, $messages messages, $follows follows"
    DATABASE_URL=$(db_url "$db") "$BIN/minitwit-admin" migrate >/dev/null
    DATABASE_URL=$(db_url "$db") "$BIN/minitwit-admin" seed -users "$users" -messages "$messages" \
      -follows "$follows" -manifest "$RESULTS/$label/manifest.json"
    progress "dataset $label: caching as $dump"
    rm -f "$CACHE/$label-"* # this size's dumps of an older seeder
    "$PG_BIN/pg_dump" -h 127.0.0.1 -p "$BENCH_PORT" -U postgres -Fc -Z 1 -f "$dump.tmp" "$db"
    mv "$dump.tmp" "$dump"
    cp "$RESULTS/$label/manifest.json" "$dump.manifest.json"
  fi
  psql_admin -d "$db" -c "VACUUM ANALYZE"
  psql_admin -d "$db" -At -c "SELECT pg_database_size(current_database()),
    pg_total_relation_size('messages'), pg_relation_size('messages')" >"$RESULTS/$label/dbsize.txt"
}

# start_service DB starts minitwit on database DB at $MT_URL.
start_service() {
  local port mport
  port=$(free_port)
  mport=$(free_port)
  MT_URL=http://127.0.0.1:$port
  METRICS_URL=http://127.0.0.1:$mport
  # PPROF=1 serves profiles on the internal listener; it costs nothing until asked.
  DATABASE_URL=$(db_url "$1") ADDR=127.0.0.1:$port METRICS_ADDR=127.0.0.1:$mport PPROF=1 \
    SESSION_KEY=bench-session-key-0123456789abcdef0123 LOG_LEVEL=${BENCH_LOG_LEVEL:-info} \
    "$BIN/minitwit" >"$WORK/minitwit-$1.log" 2>&1 &
  MT_PID=$!
  PIDS+=("$MT_PID")
  wait_http "$MT_URL/readyz" 60
}

stop_pid() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# Endpoint parameters, from the dataset's manifest (set per dataset by params).
params() {
  local m=$RESULTS/$1/manifest.json
  HEAVY=$(jq -r .heavy_follower "$m")
  POPULAR=$(jq -r .popular_user "$m")
  AUTHOR=$(jq -r .heavy_author "$m")
  LIGHT=$(jq -r '.sample_users[0]' "$m")
  TWEETER=$(jq -r '.sample_users[1]' "$m")
  PASSWORD=$(jq -r .password "$m")
  # Page 1,000 of the public timeline, or the last full page of a smaller
  # dataset: the cursor is the (pub_date, id) of the last message of the page
  # before, as the web's "older messages" link carries it.
  local k
  k=$(psql_admin -d "bench_${1,,}" -At -c "SELECT LEAST(999, GREATEST(count(*) / 30 - 1, 1)) FROM messages WHERE NOT flagged")
  PAGE=$((k + 1))
  CURSOR=$(psql_admin -d "bench_${1,,}" -At -c "SELECT pub_date || '_' || id FROM messages WHERE NOT flagged
    ORDER BY pub_date DESC, id DESC OFFSET $((k * 30 - 1)) LIMIT 1")
}

# path_of ENDPOINT prints the request path of an endpoint (method GET unless tweet).
path_of() {
  case $1 in
    public) echo /public ;;
    public-page1000) echo "/public?before=$CURSOR" ;;
    user-popular) echo "/$POPULAR" ;;
    user-light) echo "/$LIGHT" ;;
    home-heavy) echo / ;;
    api-msgs) echo "/api/msgs?no=100" ;;
    api-msgs-user) echo "/api/msgs/$AUTHOR?no=100" ;;
    api-fllws-heavy) echo "/api/fllws/$HEAVY?no=100" ;;
    tweet) echo "/api/msgs/$TWEETER" ;;
  esac
}

# request ENDPOINT sends one request as the load tool does and checks its status.
LATEST=1000000
request() {
  local path code
  path=$(path_of "$1")
  case $1 in
    home-heavy)
      code=$(curl -s -o /dev/null -w '%{http_code}' -b "$WORK/cookies" "$MT_URL$path") ;;
    api-*)
      code=$(curl -s -o /dev/null -w '%{http_code}' -u "$SIM_AUTH" "$MT_URL$path") ;;
    tweet)
      LATEST=$((LATEST + 1))
      code=$(curl -s -o /dev/null -w '%{http_code}' -u "$SIM_AUTH" -H 'Content-Type: application/json' \
        -d '{"content":"bench capture"}' "$MT_URL$path?latest=$LATEST") ;;
    *)
      code=$(curl -s -o /dev/null -w '%{http_code}' "$MT_URL$path") ;;
  esac
  case $1:$code in
    tweet:204 | *:200) ;;
    *) die "$1: $MT_URL$path answered $code" ;;
  esac
}

# capture_sql LABEL writes $SQL_DIR/<endpoint>.sql from the statements
# PostgreSQL logs while each endpoint is requested alone, twice: both requests
# must log the same statements, else the capture missed or mixed some.
capture_sql() {
  local e offset ignore="^(SELECT 1|;|-- ping|SELECT 'bench-marker-[0-9]+')\$"
  mkdir -p "$SQL_DIR"
  curl -s -o /dev/null -c "$WORK/cookies" --data-urlencode "username=$HEAVY" --data-urlencode "password=$PASSWORD" "$MT_URL/login"
  for e in "${ENDPOINTS[@]}"; do request "$e"; done # warm the statement caches
  psql_admin -d postgres -c "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
  # Backends apply the reload when its signal reaches them: wait until every
  # pooled connection logs (the pool hands out connections in turn).
  local logged=0
  for _ in $(seq 1 100); do
    offset=$(stat -c %s "$PG_LOG")
    request api-msgs
    sync_log
    if tail -c +"$((offset + 1))" "$PG_LOG" | grep -q 'LOG:  execute '; then
      logged=$((logged + 1))
      ((logged >= 25)) && break
    else
      logged=0
    fi
  done
  ((logged >= 25)) || die "PostgreSQL does not log the service's statements (log_statement=all)"
  for e in "${ENDPOINTS[@]}"; do
    offset=$(stat -c %s "$PG_LOG")
    request "$e"
    sync_log
    "$BIN/benchreport" capture -log "$PG_LOG" -offset "$offset" -ignore "$ignore" -title "$(title_of "$e")" -out "$WORK/$e.first.sql"
    offset=$(stat -c %s "$PG_LOG")
    request "$e"
    sync_log
    "$BIN/benchreport" capture -log "$PG_LOG" -offset "$offset" -ignore "$ignore" -title "$(title_of "$e")" \
      -same-as "$WORK/$e.first.sql" -out "$SQL_DIR/$e.sql"
  done
  psql_admin -d postgres -c "ALTER SYSTEM RESET log_statement" -c "SELECT pg_reload_conf()" >/dev/null
}

# sync_log waits until the server has written what the last request logged:
# a marker statement from another session appears after it. The marker is
# sent again until it shows, since a session started before the server
# applied log_statement=all does not log it.
sync_log() {
  local marker="bench-marker-$RANDOM$RANDOM"
  for _ in $(seq 1 100); do
    psql_admin -d postgres -c "SELECT '$marker'" >/dev/null
    grep -q "$marker" "$PG_LOG" && return 0
    sleep 0.05
  done
  die "the PostgreSQL log did not show $marker"
}

title_of() {
  local path
  path=$(path_of "$1")
  case $1 in
    tweet) echo "POST $path (a tweet, with ?latest=N as the simulator sends)" ;;
    home-heavy) echo "GET / signed in as the heavy follower" ;;
    public-page1000) echo "GET $path (public timeline page $PAGE)" ;;
    *) echo "GET $path" ;;
  esac
}

# run_load LABEL ENDPOINT runs the load tool against one endpoint, with the
# same users and page as path_of. Failed requests are counted in the report
# (exit status 1); a tool that cannot run (status 2) stops the bench.
run_load() {
  local label=$1 e=$2 args=() url=$MT_URL status=0 out=$RESULTS/$1/$2
  [[ ${3:-} == profile ]] && out=$WORK/$1-$2.profiled
  case $e in
    public) args=(-endpoint public) ;;
    # The load tool appends its paths to -url and keeps the URL's query, so
    # this requests /public?before=<cursor>.
    public-page1000) args=(-endpoint public) url="$MT_URL/?before=$CURSOR" ;;
    user-popular) args=(-endpoint user -user "$POPULAR") ;;
    user-light) args=(-endpoint user -user "$LIGHT") ;;
    home-heavy) args=(-endpoint home -home-user "$HEAVY") ;;
    api-msgs) args=(-endpoint api_msgs -no 100) ;;
    api-msgs-user) args=(-endpoint api_user_msgs -user "$AUTHOR" -no 100) ;;
    api-fllws-heavy) args=(-endpoint api_fllws -home-user "$HEAVY" -no 100) ;;
    tweet) args=(-endpoint tweet) ;;
  esac
  local before
  before=$(cpu_ticks)
  "$BIN/load" -url "$url" -manifest "$RESULTS/$label/manifest.json" -c "$CONNS" -d "${SECONDS_PER_RUN}s" \
    "${args[@]}" -json "$out.load.json" >"$WORK/$label-$e.load.txt" 2>&1 || status=$?
  # CPU of the service and of the database during the run, for the capacity
  # model (docs/scaling.md): "service_before db_before service_after db_after ticks_per_second".
  echo "$before $(cpu_ticks) $(getconf CLK_TCK)" >"$out.cpu.txt"
  case $status in
    0) ;;
    1) log "$e: some requests failed: $(grep -m1 -i error "$WORK/$label-$e.load.txt" || true)" ;;
    *) cat "$WORK/$label-$e.load.txt" >&2; die "load tool failed on $e" ;;
  esac
}

# profile_run LABEL ENDPOINT loads one endpoint again while taking a CPU
# profile of minitwit, and keeps pprof's top functions for the report.
profile_run() {
  local label=$1 e=$2 secs=$((SECONDS_PER_RUN / 2 > 2 ? SECONDS_PER_RUN / 2 : 2)) saved=$SECONDS_PER_RUN curl_pid
  curl -s -o "$WORK/$label-$e.pprof" "$METRICS_URL/debug/pprof/profile?seconds=$((secs - 1))" &
  curl_pid=$!
  SECONDS_PER_RUN=$secs
  run_load "$label" "$e" profile
  SECONDS_PER_RUN=$saved
  wait "$curl_pid" || { log "no CPU profile of $e"; return 0; }
  go tool pprof -top -cum -nodecount=60 "$BIN/minitwit" "$WORK/$label-$e.pprof" >"$RESULTS/$label/$e.pprof.txt" 2>/dev/null ||
    log "pprof could not read the profile of $e"
}

# cpu_ticks prints the CPU time (clock ticks) used so far by minitwit and by
# the PostgreSQL cluster: its live processes plus what the postmaster has
# collected from exited ones (cutime, cstime), so backends that come and go
# between two readings are counted too.
cpu_ticks() {
  local pm svc db=0 pid
  pm=$(head -1 "$BENCH_DIR/data/postmaster.pid")
  svc=$(awk '{print $14 + $15}' "/proc/$MT_PID/stat")
  db=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$pm/stat")
  for pid in $(pgrep -P "$pm"); do
    db=$((db + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$svc $db"
}

# run_pgbench LABEL ENDPOINT runs the endpoint's captured SQL at the same concurrency.
run_pgbench() {
  local label=$1 e=$2 defines=()
  mapfile -t defines < <(sed -n 's/^-- define: /-D/p' "$SQL_DIR/$e.sql")
  "$PG_BIN/pgbench" -h 127.0.0.1 -p "$BENCH_PORT" -U postgres -n -M prepared -c "$CONNS" -j 2 \
    -T "$SECONDS_PER_RUN" "${defines[@]}" -f "$SQL_DIR/$e.sql" "bench_${label,,}" \
    >"$RESULTS/$label/$e.pgbench.txt" 2>&1 || { cat "$RESULTS/$label/$e.pgbench.txt" >&2; die "pgbench failed on $e"; }
}

# replay_both LABEL replays one generated scenario against the service and
# against nullserver; the difference is the server's own time.
replay_both() {
  local label=$1 port npid
  "$BIN/scenariogen" -users "$REPLAY_USERS" -actions "$REPLAY_ACTIONS" -seed 7 -o "$WORK/scenario.tsv"
  "$BIN/replay" -base "$MT_URL/api" -delays=false -progress 0 -report "$RESULTS/$label/replay-service.json" \
    "$WORK/scenario.tsv" >"$WORK/$label-replay-service.txt" 2>&1 || {
    tail -20 "$WORK/$label-replay-service.txt" >&2
    log "replay against the service failed (reported)"
  }
  port=$(free_port)
  "$BIN/nullserver" -addr "127.0.0.1:$port" 2>"$WORK/nullserver.log" &
  npid=$!
  PIDS+=("$npid")
  wait_http "http://127.0.0.1:$port/api/latest" 10
  "$BIN/replay" -base "http://127.0.0.1:$port/api" -delays=false -progress 0 -check 0 \
    -report "$RESULTS/$label/replay-null.json" "$WORK/scenario.tsv" >"$WORK/$label-replay-null.txt" 2>&1 || {
    tail -20 "$WORK/$label-replay-null.txt" >&2
    log "replay against nullserver failed: the machine is too busy for a clean baseline (reported)"
  }
  stop_pid "$npid"
}

# main runs every dataset and writes the report. The whole file is parsed
# before main starts, so editing the script during a run cannot change it.
main() {
  local spec label users messages follows e quick labels=()
  for spec in "${DATASETS[@]}"; do
    IFS=: read -r label users messages follows <<<"$spec"
    labels+=("$label")
    mkdir -p "$RESULTS/$label"
    load_dataset "$label" "$users" "$messages" "$follows"
    params "$label"
    start_service "bench_${label,,}"
    progress "dataset $label: capturing the SQL of each endpoint"
    capture_sql
    for e in "${ENDPOINTS[@]}"; do
      progress "dataset $label: $e: load tool, ${SECONDS_PER_RUN}s at $CONNS connections"
      run_load "$label" "$e"
      progress "dataset $label: $e: pgbench, ${SECONDS_PER_RUN}s at $CONNS connections"
      run_pgbench "$label" "$e"
    done
    for e in "${PROFILED[@]}"; do
      progress "dataset $label: $e: CPU profile of minitwit under load"
      profile_run "$label" "$e"
    done
    progress "dataset $label: simulator replay ($REPLAY_ACTIONS actions) against the service and against nullserver"
    replay_both "$label"
    stop_pid "$MT_PID"
    psql_admin -d postgres -c "DROP DATABASE bench_${label,,}"
  done

  progress "writing $OUT"
  quick=false
  [[ $QUICK == 1 ]] && quick=true
  "$BIN/benchreport" report -results "$RESULTS" -datasets "$(IFS=,; echo "${labels[*]}")" -out "$OUT" \
    -commit "$COMMIT" \
    -pg-version "$(cat "$RESULTS/pg_version.txt")" -seconds "$SECONDS_PER_RUN" -connections "$CONNS" \
    -quick="$quick" -replay "$REPLAY_USERS users, $REPLAY_ACTIONS actions, no delays"
  progress "done: $OUT"
}

main "$@"; exit
