#!/usr/bin/env bash
# Data operations drills on real PostgreSQL clusters on 127.0.0.1, run by
# scripts/test.sh (or alone):
#   1. import of a generated legacy database (IMPORT_MESSAGES, default 200000)
#      with its verification, timed; a re-run imports nothing; legacy
#      password hashes sign in on the web and are replaced by bcrypt;
#   2. backup (encrypted, uploaded to a local S3-compatible server), restore
#      from there into a second database while the service serves from the
#      first (zero failed requests), destroy, restore in place from the file,
#      compare counts and checksums with the state at backup time;
#   3. zero-downtime move to a second cluster with logical replication under
#      a continuous write load through the service's API: every acknowledged
#      write is on the new server, inserts after the cut-over work, and no
#      subscription or replication slot is left behind.
# Prints PASS/FAIL lines; exits non-zero at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/common.sh
source scripts/lib/common.sh

IMPORT_MESSAGES=${IMPORT_MESSAGES:-200000}
IMPORT_USERS=${IMPORT_USERS:-5000}
LOAD_LOOPS=3
FOLLOW_TARGETS=300
AUTH="Authorization: Basic c2ltdWxhdG9yOnN1cGVyX3NhZmUh"

work=$(mktemp -d /tmp/minitwit-dataops.XXXXXX)
pids=()
cleanup() {
  local rc=$? p f
  touch "$work/stop"
  if ((rc != 0)); then
    for f in "$work"/*.log; do
      [[ -e $f ]] || continue
      printf -- '--- last lines of %s\n' "$(basename "$f")" >&2
      tail -15 "$f" >&2
    done
  fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pg_stop SRC
  pg_stop DST
  rm -rf "$work"
}
trap cleanup EXIT

pass() { printf 'PASS %s\n' "$*"; }
fail() { printf 'FAIL %s\n' "$*"; exit 1; }

ensure_packages "$PG_BIN/initdb:postgresql-15" psql:postgresql-client curl:curl gpg:gnupg \
  aws:awscli npm:npm

log "building minitwit and minitwit-admin"
(cd services && go build -o "$work/bin/" minitwit/minitwit/cmd/minitwit minitwit/minitwit/cmd/minitwit-admin)
ADMIN=$work/bin/minitwit-admin
export ADMIN

if command -v docker >/dev/null; then
  docker stack config -c stack/backup.yml >/dev/null || fail "docker stack config -c stack/backup.yml"
  pass "stack/backup.yml is a valid stack file on its own"
  if [[ -f stack/minitwit.yml && -f stack/monitoring.yml ]]; then
    TAG=check DOMAIN=example.org docker stack config -c stack/minitwit.yml -c stack/monitoring.yml -c stack/backup.yml >"$work/stack.yml" ||
      fail "stack/backup.yml does not merge with stack/minitwit.yml and stack/monitoring.yml"
    grep -q 'eeshugerman/postgres-backup-s3' "$work/stack.yml" || fail "the merged stack has no backup service"
    pass "stack/backup.yml merges with the services' and the monitoring stack files"
  fi
fi

pg_start SRC
pg_start DST

# start_service NAME DATABASE_URL: the one-process system on a free port;
# sets svc_pid and svc_url.
start_service() {
  local port
  port=$(free_port)
  PORT=$port METRICS_ADDR=127.0.0.1:$(free_port) DATABASE_URL=$2 LOG_LEVEL=warn BCRYPT_COST=4 \
    "$work/bin/minitwit" >>"$work/$1.log" 2>&1 &
  svc_pid=$!
  pids+=("$svc_pid")
  svc_url=http://127.0.0.1:$port
  for _ in $(seq 1 600); do
    curl -fs -o /dev/null "$svc_url/readyz" && return 0
    kill -0 "$svc_pid" 2>/dev/null || fail "service $1 exited at start (see $1.log)"
    sleep 0.1
  done
  fail "service $1 not ready within 60 s"
}

# stop_service PID: SIGTERM, and the process must exit cleanly.
stop_service() {
  kill -TERM "$1"
  wait "$1" || fail "service $1 did not exit cleanly on SIGTERM"
}

# api METHOD URL [BODY]: prints the HTTP status of one API call.
api() {
  local args=(-s -o /dev/null -w '%{http_code}' -m 10 -H "$AUTH" -X "$1")
  [[ -z ${3:-} ]] || args+=(-H 'Content-Type: application/json' -d "$3")
  curl "${args[@]}" "$2" || true
}

# db_sums URL: one line per table and sequence: rows and an md5 over the
# ordered rows. Equal output means equal contents.
db_sums() {
  psql -X -At -v ON_ERROR_STOP=1 --dbname="$1" <<'SQL'
SELECT 'users ' || count(*) || ' ' || md5(coalesce(string_agg(id || ',' || username || ',' || email || ',' || pw_hash, E'\n' ORDER BY id), '')) FROM users;
SELECT 'follows ' || count(*) || ' ' || md5(coalesce(string_agg(who_id || ',' || whom_id, E'\n' ORDER BY who_id, whom_id), '')) FROM follows;
SELECT 'messages ' || count(*) || ' ' || md5(coalesce(string_agg(id || ',' || author_id || ',' || pub_date || ',' || flagged || ',' || text, E'\n' ORDER BY id), '')) FROM messages;
SELECT 'simulator_latest ' || count(*) || ' ' || md5(coalesce(string_agg(id || ',' || value, E'\n' ORDER BY id), '')) FROM simulator_latest;
SELECT 'schema_migrations ' || count(*) || ' ' || md5(coalesce(string_agg(version || ',' || name, E'\n' ORDER BY version), '')) FROM schema_migrations;
SELECT 'users_id_seq ' || last_value FROM users_id_seq;
SELECT 'messages_id_seq ' || last_value FROM messages_id_seq;
SQL
}

# load_loop N RUN: writes through the API of the server named in $work/url
# (read before each round, so switching the file moves the load) until
# $work/stop exists: a tweet, a follow of one of FOLLOW_TARGETS users
# registered beforehand (so every round can add a pair on either server), a
# read, and every 8th round a new user who tweets at once on the same server. Each acknowledged write is logged to acks.N as
# kind<TAB>user<TAB>detail<TAB>port; every other answer to fails.N.
load_loop() {
  local n=$1 run=$2 i=0 url code me enc whom text name
  me="load $n ü" enc="load%20$n%20%C3%BC"
  : >"$work/acks.$n"
  : >"$work/fails.$n"
  while [[ ! -e $work/stop ]]; do
    i=$((i + 1))
    url=$(<"$work/url")
    text="drill $run-$n-$i"' “quoted” — ü'
    code=$(api POST "$url/api/msgs/$enc?latest=$i" "{\"content\": \"$text\"}")
    if [[ $code == 204 ]]; then printf 'tweet\t%s\t%s\t%s\n' "$me" "$text" "${url##*:}" >>"$work/acks.$n"; else printf '%s\tPOST msgs %s\n' "$code" "$me" >>"$work/fails.$n"; fi
    whom="target $((((run - 1) * 50 + i) % FOLLOW_TARGETS))" # new pairs in every run
    code=$(api POST "$url/api/fllws/$enc" "{\"follow\": \"$whom\"}")
    if [[ $code == 204 ]]; then printf 'follow\t%s\t%s\t%s\n' "$me" "$whom" "${url##*:}" >>"$work/acks.$n"; else printf '%s\tPOST fllws %s\n' "$code" "$me" >>"$work/fails.$n"; fi
    code=$(api GET "$url/api/msgs/$enc?no=5")
    [[ $code == 200 ]] || printf '%s\tGET msgs %s\n' "$code" "$me" >>"$work/fails.$n"
    if ((i % 8 == 0)); then
      name="new $run $n $i"
      code=$(api POST "$url/api/register" "{\"username\": \"$name\", \"email\": \"n$n.$i@example.org\", \"pwd\": \"p\\\"w\"}")
      if [[ $code == 204 ]]; then
        printf 'register\t%s\t\t%s\n' "$name" "${url##*:}" >>"$work/acks.$n"
        code=$(api POST "$url/api/msgs/${name// /%20}" "{\"content\": \"first of $name\"}")
        if [[ $code == 204 ]]; then printf 'tweet\t%s\t%s\t%s\n' "$name" "first of $name" "${url##*:}" >>"$work/acks.$n"; else printf '%s\tPOST msgs %s\n' "$code" "$name" >>"$work/fails.$n"; fi
      else
        printf '%s\tPOST register %s\n' "$code" "$name" >>"$work/fails.$n"
      fi
    fi
  done
}

# start_load / stop_load run LOAD_LOOPS loops against $work/url.
load_pids=()
load_run=0
start_load() {
  rm -f "$work/stop"
  load_pids=()
  load_run=$((load_run + 1))
  local n
  for n in $(seq 0 $((LOAD_LOOPS - 1))); do
    load_loop "$n" "$load_run" &
    load_pids+=($!)
    pids+=($!)
  done
}
stop_load() {
  touch "$work/stop"
  local p
  for p in "${load_pids[@]}"; do wait "$p"; done
  cat "$work"/acks.* >"$work/acks"
  cat "$work"/fails.* >"$work/fails"
}

# register_load_users URL: the loops' own users and the ones they follow.
register_load_users() {
  local n code
  for n in $(seq 0 $((LOAD_LOOPS - 1))); do
    code=$(api POST "$1/api/register" "{\"username\": \"load $n ü\", \"email\": \"l$n@example.org\", \"pwd\": \"pw\"}")
    [[ $code == 204 ]] || fail "register load user $n: HTTP $code"
  done
  for n in $(seq 0 $((FOLLOW_TARGETS - 1))); do
    code=$(api POST "$1/api/register" "{\"username\": \"target $n\", \"email\": \"t$n@example.org\", \"pwd\": \"pw\"}")
    [[ $code == 204 ]] || fail "register follow target $n: HTTP $code"
  done
}

############################################################################
log "1. import of a generated legacy database with $IMPORT_MESSAGES messages"
"$ADMIN" gen-legacy -out "$work/legacy.db" -users "$IMPORT_USERS" -messages "$IMPORT_MESSAGES" -seed 5 -real-cost
started=$(date +%s%N)
DATABASE_URL=$SRC_URL "$ADMIN" import -legacy "$work/legacy.db" 2>"$work/import.log" ||
  { cat "$work/import.log"; fail "import into PostgreSQL"; }
elapsed_ms=$((($(date +%s%N) - started) / 1000000))
cat "$work/import.log"
grep -q '^import OK' "$work/import.log" || fail "import did not report OK"
[[ $(grep -c ' OK$' "$work/import.log") == 3 ]] || fail "verification did not pass for all three tables"
printf 'MEASURE import of %s messages (%s users) into PostgreSQL: %d.%03d s wall clock; %s\n' \
  "$IMPORT_MESSAGES" "$IMPORT_USERS" $((elapsed_ms / 1000)) $((elapsed_ms % 1000)) "$(grep '^import OK' "$work/import.log")"
pass "import with verification (counts and checksums per table)"

DATABASE_URL=$SRC_URL "$ADMIN" import -legacy "$work/legacy.db" 2>"$work/reimport.log" ||
  { cat "$work/reimport.log"; fail "re-run of the import"; }
grep -q '^import OK: 0 rows' "$work/reimport.log" || { cat "$work/reimport.log"; fail "a re-run imported rows again"; }
pass "a re-run of the import adds nothing and verifies"

start_service legacy "$SRC_URL"
legacy_pid=$svc_pid
for id in 1 2; do # scrypt N=2^15 and pbkdf2 600000: Werkzeug 3's defaults
  user=$(psql -X -At --dbname="$SRC_URL" -c "SELECT username FROM users WHERE id = $id")
  before=$(psql -X -At --dbname="$SRC_URL" -c "SELECT split_part(pw_hash, '$', 1) FROM users WHERE id = $id")
  pw=$(printf 'pw"%s\\[ü]' "$id")
  loc=$(curl -s -o /dev/null -w '%{redirect_url}' --data-urlencode "username=$user" --data-urlencode "password=$pw" "$svc_url/login")
  [[ $loc == */ ]] || fail "legacy user $id ($before) could not sign in on the web (redirect '$loc')"
  after=$(psql -X -At --dbname="$SRC_URL" -c "SELECT pw_hash FROM users WHERE id = $id")
  [[ $after == \$2* ]] || fail "legacy hash of user $id was not replaced after sign-in: $after"
  loc=$(curl -s -o /dev/null -w '%{redirect_url}' --data-urlencode "username=$user" --data-urlencode "password=$pw" "$svc_url/login")
  [[ $loc == */ ]] || fail "user $id cannot sign in with the replaced hash"
  pass "legacy $before hash of user $id signs in on the web and is replaced by bcrypt"
done
stop_service "$legacy_pid"

############################################################################
log "2. backup and restore drill"
start_service restore-a "$SRC_URL"
svc_a=$svc_pid url_a=$svc_url
register_load_users "$url_a"
echo "$url_a" >"$work/url"
start_load
sleep 2
stop_load
[[ ! -s $work/fails ]] || { cat "$work/fails"; fail "seeding through the API had failed requests"; }
psql -X -q --dbname="$SRC_URL" -c "UPDATE messages SET flagged = true WHERE id % 97 = 0" # moderation survives too
db_sums "$SRC_URL" >"$work/sums.backup"
pass "seeded $(wc -l <"$work/acks") writes through the API on top of the import"

# s3rver (npm) stands in for S3-compatible storage, on loopback.
log "starting a local S3-compatible server (s3rver)"
npm install --no-audit --no-fund --silent --prefix "$work/s3" s3rver@3.7.1 >/dev/null || fail "npm install s3rver"
mkdir -p "$work/s3/data"
s3_port=$(free_port)
"$work/s3/node_modules/.bin/s3rver" -d "$work/s3/data" -a 127.0.0.1 -p "$s3_port" --silent --configure-bucket drill \
  >"$work/s3rver.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$s3_port/" 30
export S3_ENDPOINT_URL=http://127.0.0.1:$s3_port AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER \
  AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=$work/no-aws-config AWS_SHARED_CREDENTIALS_FILE=$work/no-aws-credentials

export BACKUP_PASSPHRASE='drill "pass" phrase'
DATABASE_URL=$SRC_URL scripts/backup.sh -e -o "$work/drill.dump" -u s3://drill/minitwit/ >"$work/backup.out" ||
  fail "scripts/backup.sh"
backup=$(<"$work/backup.out")
[[ -s $backup && $backup == *.gpg ]] || fail "backup.sh -e did not write an encrypted file ($backup)"
aws --endpoint-url "$S3_ENDPOINT_URL" s3 ls s3://drill/minitwit/drill.dump.gpg >/dev/null || fail "the backup is not in the bucket"
pass "backup.sh wrote an encrypted custom-format dump ($(du -h "$backup" | cut -f1)) and uploaded it"

copy_url=${SRC_URL/\/minitwit\?/\/minitwit_copy?}
start_load # the service keeps serving from the first database meanwhile
scripts/restore.sh -n s3://drill/minitwit/drill.dump.gpg "$copy_url" || fail "restore.sh -n from S3 into a new database"
sleep 1
stop_load
[[ ! -s $work/fails ]] || { cat "$work/fails"; fail "requests failed while restoring into a second database"; }
pass "restore into a second database while serving: $(wc -l <"$work/acks") writes acknowledged, 0 failed requests"
db_sums "$copy_url" >"$work/sums.copy"
diff "$work/sums.backup" "$work/sums.copy" || fail "the restored copy differs from the state at backup time"
pass "restored copy equals the backup-time state (counts, checksums, sequences)"

if scripts/restore.sh "$backup" "$SRC_URL" </dev/null >/dev/null 2>&1; then fail "restore.sh replaced a database without -y and without a terminal"; fi
pass "restore.sh refuses to replace a database unconfirmed"

stop_service "$svc_a"
psql -X -q -v ON_ERROR_STOP=1 --dbname="$SRC_URL" -c "DROP TABLE users, follows, messages, simulator_latest, schema_migrations" ||
  fail "destroying the tables"
scripts/restore.sh -y "$backup" "$SRC_URL" || fail "restore.sh -y into the destroyed database"
db_sums "$SRC_URL" >"$work/sums.restored"
diff "$work/sums.backup" "$work/sums.restored" || fail "the in-place restore differs from the state at backup time"
pass "destroyed database restored in place equals the backup-time state"

############################################################################
log "3. zero-downtime move to a second cluster under write load"
start_service move-old "$SRC_URL"
old_pid=$svc_pid old_url=$svc_url
code=$(api POST "$old_url/api/msgs/load%200%20%C3%BC" '{"content": "after restore"}')
[[ $code == 204 ]] || fail "the restored database takes no writes (HTTP $code): sequences not restored?"
echo "$old_url" >"$work/url"
start_load
sleep 1

export SRC_URL DST_URL
scripts/db-move/1-prepare.sh || fail "db-move 1-prepare"
scripts/db-move/2-replicate.sh || fail "db-move 2-replicate"
TIMEOUT=180 scripts/db-move/3-wait.sh || fail "db-move 3-wait"
scripts/db-move/4-verify.sh || fail "db-move 4-verify while replicating"
scripts/db-move/5-sequences.sh 100000 || fail "db-move 5-sequences"
pass "replicating under load: initial copy done, caught up, sequences advanced"

# Cut-over as a rolling update: the new process on the target gets ready,
# the load moves to it, then the old one stops gracefully.
start_service move-new "$DST_URL"
new_pid=$svc_pid new_url=$svc_url
echo "$new_url" >"$work/url"
sleep 2 # every loop has started a round against the new server
stop_service "$old_pid"
sleep 2
# The load goes on against the new server while the move is finished.
scripts/db-move/6-finish.sh --strict-follows || fail "db-move 6-finish"
pass "final verification and clean-up"
sleep 1
stop_load
old_acks=$(awk -F'\t' -v p="${old_url##*:}" '$4 == p' "$work/acks" | wc -l)
new_acks=$(awk -F'\t' -v p="${new_url##*:}" '$4 == p' "$work/acks" | wc -l)
[[ ! -s $work/fails ]] || { cat "$work/fails"; fail "requests failed during the move"; }
((old_acks > 0 && new_acks > 0)) || fail "the load did not write to both servers (old $old_acks, new $new_acks)"
pass "cut-over under load: $old_acks writes acknowledged by the old server, $new_acks by the new, 0 failed requests"

missing=$(psql -X -q -At -v ON_ERROR_STOP=1 --dbname="$DST_URL" \
  -c "CREATE TEMP TABLE acks (kind text, username text, detail text, port text)" \
  -c "\\copy acks FROM '$work/acks'" \
  -c "SELECT count(*) FROM acks a WHERE NOT CASE a.kind
        WHEN 'tweet' THEN EXISTS (SELECT 1 FROM messages m JOIN users u ON u.id = m.author_id WHERE u.username = a.username AND m.text = a.detail)
        WHEN 'follow' THEN EXISTS (SELECT 1 FROM follows f JOIN users w ON w.id = f.who_id JOIN users t ON t.id = f.whom_id WHERE w.username = a.username AND t.username = a.detail)
        WHEN 'register' THEN EXISTS (SELECT 1 FROM users u WHERE u.username = a.username)
      END")
[[ $missing == 0 ]] || fail "$missing acknowledged writes are missing on the new server"
pass "all $(wc -l <"$work/acks") acknowledged writes of the move are on the new server"

code=$(api POST "$new_url/api/register" '{"username": "after move", "email": "a@m", "pwd": "x"}')
[[ $code == 204 ]] || fail "register on the new server after the move: HTTP $code"
code=$(api POST "$new_url/api/msgs/after%20move" '{"content": "new insert after the move"}')
[[ $code == 204 ]] || fail "tweet on the new server after the move: HTTP $code"
src_max=$(psql -X -At --dbname="$SRC_URL" -c "SELECT max(id) FROM messages")
new_id=$(psql -X -At --dbname="$DST_URL" -c "SELECT m.id FROM messages m JOIN users u ON u.id = m.author_id WHERE u.username = 'after move'")
[[ -n $new_id ]] || fail "the post-move message is not stored"
((new_id > src_max)) || fail "post-move message id $new_id is not past the source's ids (max $src_max)"
pass "new inserts after the cut-over succeed (message id $new_id, source ids end at $src_max)"

slots=$(psql -X -At --dbname="$SRC_URL" -c "SELECT count(*) FROM pg_replication_slots")
subs=$(psql -X -At --dbname="$DST_URL" -c "SELECT count(*) FROM pg_subscription")
pubs=$(psql -X -At --dbname="$SRC_URL" -c "SELECT count(*) FROM pg_publication")
[[ $slots == 0 && $subs == 0 && $pubs == 0 ]] || fail "left behind: $slots slots on the source, $subs subscriptions on the target, $pubs publications"
pass "no replication slot on the source, no subscription on the target, no publication"
stop_service "$new_pid"

log "data operations drills passed"
