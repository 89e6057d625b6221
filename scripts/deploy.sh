#!/usr/bin/env bash
# deploy.sh [--no-migrate] [--dry-run] TAG deploys MiniTwit image tag TAG to
# the Swarm stack and waits until every service has converged.
#
#   1. Validates the stack files (stack/minitwit.yml, then stack/monitoring.yml
#      and stack/backup.yml when they exist) with `docker stack config`.
#   2. If the stack already runs: re-runs its migrate job with the new image
#      and waits for it to complete, so the new schema is in place before any
#      new replica starts (schema steps are additive, so the old replicas keep
#      working). --no-migrate skips this (used by rollback.sh).
#   3. `docker stack deploy`, then waits until every service's rolling update
#      has completed and all its replicas run (and the migrate job is done).
#   4. If a service does not converge (its update was rolled back by Swarm,
#      paused, or timed out), redeploys the whole stack at the tag it ran
#      before, waits for that, and exits 1.
#
# Run on a Swarm manager from a checkout of this repository. Settings come
# from the environment or stack/minitwit.env (see stack/minitwit.env.example;
# MINITWIT_ENV names another file). STACK_NAME (default minitwit),
# DEPLOY_TIMEOUT seconds per wait (default 900), STACK_EXTRA_FILES more stack
# files passed after those (space-separated; scripts/swarm-local.sh adds its
# local override), DEPLOY_RESOLVE_IMAGE always|changed|never (default always;
# never keeps a deploy offline where no registry is reachable). Every outcome is appended to
# DEPLOY_HISTORY (default stack/deploy-history), which rollback.sh reads.
# --dry-run validates and prints the deploy command without changing anything.
#
# Safe defaults it enforces before anything else:
#   - ACCEPTED_IPS (who may use /api/) must be set; "*" (everyone) only with
#     ALLOW_ANY_CLIENT=1, which the gateway also requires.
#   - the database TLS secrets (docs/deployment.md, "Database TLS") come from
#     DB_TLS_DIR (default /var/lib/minitwit/db-tls, made by scripts/db-tls.sh),
#     named after a hash of its files (DB_TLS_VERSION); deploy.sh creates
#     them, and the follower token secret (random), when they are missing.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK=${STACK_NAME:-minitwit}
TIMEOUT=${DEPLOY_TIMEOUT:-900}
POLL=${DEPLOY_POLL_SECONDS:-5}

log() { printf '%s deploy: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

migrate=1 dry_run=0 TAG=''
while (($#)); do
  case $1 in
    --no-migrate) migrate=0 ;;
    --dry-run) dry_run=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) [[ -z $TAG ]] || die "only one TAG"; TAG=$1 ;;
  esac
  shift
done
[[ -n $TAG ]] || die "usage: deploy.sh [--no-migrate] [--dry-run] TAG"
[[ $TAG =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "'$TAG' is not a valid image tag"

ENV_FILE=${MINITWIT_ENV:-$ROOT/stack/minitwit.env}
HISTORY=${DEPLOY_HISTORY:-$ROOT/stack/deploy-history}
if [[ -f $ENV_FILE ]]; then
  set -a
  # shellcheck disable=SC1090 # the operator's settings file
  source "$ENV_FILE"
  set +a
fi

# Who may use /api/: never everyone by accident.
ACCEPTED_IPS=${ACCEPTED_IPS:-}
if [[ -z ${ACCEPTED_IPS//[[:space:],]/} ]]; then
  die "ACCEPTED_IPS is not set: list the addresses or CIDRs that may use /api/ (or ACCEPTED_IPS='*' with ALLOW_ANY_CLIENT=1 to let everyone)"
fi
if [[ $ACCEPTED_IPS == *'*'* && ${ALLOW_ANY_CLIENT:-} != 1 ]]; then
  die "ACCEPTED_IPS='$ACCEPTED_IPS' lets every client use /api/: set ALLOW_ANY_CLIENT=1 if that is really meant"
fi
export ACCEPTED_IPS ALLOW_ANY_CLIENT=${ALLOW_ANY_CLIENT:-0}

cd "$ROOT"
# Swarm configs cannot change in place: the stack files name their configs
# after a version, so derive each from the configs' content.
config_version() { find "$@" -type f -print0 | sort -z | xargs -0 sha1sum | sha1sum | cut -c1-12; }
if [[ -d stack/monitoring && -z ${MONITORING_CONFIG_VERSION:-} ]]; then
  MONITORING_CONFIG_VERSION=$(config_version stack/monitoring)
  export MONITORING_CONFIG_VERSION
fi
if [[ -d stack/postgres && -z ${DB_CONFIG_VERSION:-} ]]; then
  DB_CONFIG_VERSION=$(config_version stack/postgres)
  export DB_CONFIG_VERSION
fi
if [[ -d stack/replica && -z ${REPLICA_CONFIG_VERSION:-} ]]; then
  REPLICA_CONFIG_VERSION=$(config_version stack/replica)
  export REPLICA_CONFIG_VERSION
fi
# The database TLS secrets are named after their content too.
DB_TLS_DIR=${DB_TLS_DIR:-/var/lib/minitwit/db-tls}
DB_TLS_FILES=(ca-bundle.crt server.crt server.key)
db_tls_files() {
  local f
  for f in "${DB_TLS_FILES[@]}"; do [[ -s $DB_TLS_DIR/$f ]] || return 1; done
}
if [[ -z ${DB_TLS_VERSION:-} ]] && db_tls_files; then
  DB_TLS_VERSION=$(cd "$DB_TLS_DIR" && cat "${DB_TLS_FILES[@]}" | sha1sum | cut -c1-12)
fi
[[ -n ${DB_TLS_VERSION:-} ]] ||
  die "no database TLS certificates in $DB_TLS_DIR: make them with scripts/db-tls.sh (docs/deployment.md, \"Database TLS\")"
export DB_TLS_VERSION
FILES=()
for f in minitwit monitoring backup; do
  [[ -f stack/$f.yml ]] && FILES+=(-c "stack/$f.yml")
done
[[ ${FILES[1]:-} == stack/minitwit.yml ]] || die "stack/minitwit.yml is missing"
read -r -a extra_files <<<"${STACK_EXTRA_FILES:-}"
for f in "${extra_files[@]}"; do
  [[ -f $f ]] || die "STACK_EXTRA_FILES: $f does not exist"
  FILES+=(-c "$f")
done
RESOLVE=${DEPLOY_RESOLVE_IMAGE:-always}
[[ $RESOLVE =~ ^(always|changed|never)$ ]] || die "DEPLOY_RESOLVE_IMAGE must be always, changed or never"
UPDATE_RESOLVE=()
[[ $RESOLVE == never ]] && UPDATE_RESOLVE=(--no-resolve-image)

TAG=$TAG docker stack config "${FILES[@]}" >/dev/null || die "the stack files do not validate (see above)"
if ((dry_run)); then
  log "stack files validate with TAG=$TAG"
  echo "docker stack deploy --with-registry-auth --detach=true ${FILES[*]} $STACK"
  exit 0
fi

[[ $(docker info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null) == true ]] ||
  die "this node is not a Swarm manager (docker info: Swarm.ControlAvailable)"

# tag_of IMAGE prints the tag of "registry:5000/name:tag@sha256:...".
tag_of() {
  local ref=${1%@*}
  local last=${ref##*/}
  [[ $last == *:* ]] && echo "${last##*:}"
  return 0
}

service_exists() { docker service inspect "$1" >/dev/null 2>&1; }

# ensure_secrets creates the secrets deploy.sh owns when they are missing:
# the database TLS files of DB_TLS_DIR under DB_TLS_VERSION, and a random
# follower token.
ensure_secrets() {
  local names=(minitwit_db_ca minitwit_db_server_cert minitwit_db_server_key) i name file
  for i in "${!names[@]}"; do
    name=${names[$i]}_$DB_TLS_VERSION file=$DB_TLS_DIR/${DB_TLS_FILES[$i]}
    docker secret inspect "$name" >/dev/null 2>&1 && continue
    [[ -s $file ]] || die "secret $name does not exist and $file is missing (scripts/db-tls.sh)"
    docker secret create "$name" "$file" >/dev/null || die "docker secret create $name failed"
    log "created secret $name from $file"
  done
  if ! docker secret inspect minitwit_follower_token >/dev/null 2>&1; then
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' | docker secret create minitwit_follower_token - >/dev/null ||
      die "docker secret create minitwit_follower_token failed"
    log "created secret minitwit_follower_token (random)"
  fi
}

stack_services() { docker stack services --format '{{.Name}}' "$STACK" 2>/dev/null | sort; }

service_mode() {
  docker service inspect -f '{{if .Spec.Mode.ReplicatedJob}}job{{else if .Spec.Mode.GlobalJob}}job{{else}}service{{end}}' "$1"
}

update_started() {
  docker service inspect -f '{{if .UpdateStatus}}{{.UpdateStatus.StartedAt}}{{end}}' "$1"
}

# job_state SERVICE prints complete, failed or pending for the job's latest
# iteration.
job_state() {
  local svc=$1 idx max t ti st complete=0 failed=0
  idx=$(docker service inspect -f '{{if .JobStatus}}{{.JobStatus.JobIteration.Index}}{{end}}' "$svc")
  max=$(docker service inspect -f '{{with .Spec.TaskTemplate.RestartPolicy}}{{with .MaxAttempts}}{{.}}{{end}}{{end}}' "$svc")
  for t in $(docker service ps -q --no-trunc "$svc"); do
    read -r ti st < <(docker inspect --type task -f '{{with .JobIteration}}{{.Index}}{{end}} {{.Status.State}}' "$t") || continue
    [[ $ti == "$idx" ]] || continue
    case $st in
      complete) complete=1 ;;
      failed | rejected) failed=$((failed + 1)) ;;
    esac
  done
  if ((complete)); then
    echo complete
  elif [[ -n $max ]] && ((failed > max)); then
    echo failed
  else
    echo pending
  fi
}

# wait_job SERVICE waits for the job's latest iteration to complete.
wait_job() {
  local svc=$1 deadline=$((SECONDS + TIMEOUT)) state
  while ((SECONDS < deadline)); do
    state=$(job_state "$svc")
    case $state in
      complete) log "$svc: complete"; return 0 ;;
      failed) log "$svc: failed"; return 1 ;;
    esac
    sleep "$POLL"
  done
  log "$svc: not complete after ${TIMEOUT}s"
  return 1
}

# run_migration TAG re-runs the stack's migrate job with TAG's image.
run_migration() {
  local svc=${STACK}_migrate image
  image=$(docker service inspect -f '{{.Spec.TaskTemplate.ContainerSpec.Image}}' "$svc")
  image=${image%@*}
  image=${image%:*}:$1
  log "migrating the schema with $image"
  docker service update --quiet --detach --force --with-registry-auth "${UPDATE_RESOLVE[@]}" --image "$image" "$svc" >/dev/null
  wait_job "$svc"
}

declare -A BEFORE=()

# remember_updates notes each service's last update start, so a later status
# can be told apart from one left by an earlier deployment.
remember_updates() {
  local svc
  BEFORE=()
  for svc in $(stack_services); do
    BEFORE[$svc]=$(update_started "$svc" 2>/dev/null || true)
  done
}

# APP_SERVICES use the MiniTwit images, whose tag must end up being TAG.
APP_SERVICES=" gateway web api follower migrate "

# service_state SERVICE prints converged, pending or "failed: why".
service_state() {
  local svc=$1 short=${1#"${STACK}"_} state started image task_image current desired running=0
  IFS='|' read -r state started image < <(docker service inspect -f \
    '{{if .UpdateStatus}}{{.UpdateStatus.State}}|{{.UpdateStatus.StartedAt}}{{else}}|{{end}}|{{.Spec.TaskTemplate.ContainerSpec.Image}}' "$svc")
  if [[ -n $started && $started != "${BEFORE[$svc]:-}" ]]; then
    case $state in
      completed) ;;
      updating | rollback_started) echo pending; return ;;
      *) echo "failed: update $state: $(docker service inspect -f '{{.UpdateStatus.Message}}' "$svc")"; return ;;
    esac
  fi
  if [[ $APP_SERVICES == *" $short "* && $(tag_of "$image") != "$TAG" ]]; then
    echo "failed: runs $(tag_of "$image") instead of $TAG (rolled back)"
    return
  fi
  if [[ $(service_mode "$svc") == job ]]; then
    case $(job_state "$svc") in
      complete) echo converged ;;
      failed) echo "failed: job failed (docker service logs $svc)" ;;
      *) echo pending ;;
    esac
    return
  fi
  # Every task meant to run must run the current spec's image.
  while IFS='|' read -r task_image current; do
    [[ -z $task_image ]] && continue
    if [[ $task_image != "$image" || $current != Running* ]]; then
      echo pending
      return
    fi
    running=$((running + 1))
  done < <(docker service ps --no-trunc --filter desired-state=running --format '{{.Image}}|{{.CurrentState}}' "$svc")
  desired=$(docker service ls --filter "id=$(docker service inspect -f '{{.ID}}' "$svc")" --format '{{.Replicas}}')
  desired=${desired%% *}
  desired=${desired#*/}
  # A service scaled to 0 has converged with nothing running.
  if ((desired > 0 && (running == 0 || running < desired))); then
    echo pending
    return
  fi
  echo converged
}

# wait_converged waits until every service of the stack has finished its
# update and runs all its replicas on the new spec; it fails on a rolled
# back or paused update, or after TIMEOUT.
wait_converged() {
  local deadline=$((SECONDS + TIMEOUT)) svc state waiting
  while ((SECONDS < deadline)); do
    waiting=()
    for svc in $(stack_services); do
      state=$(service_state "$svc")
      case $state in
        converged) ;;
        pending) waiting+=("${svc#"${STACK}"_}") ;;
        *) log "$svc: $state"; return 1 ;;
      esac
    done
    if ((${#waiting[@]} == 0)); then return 0; fi
    log "waiting for: ${waiting[*]}"
    sleep "$POLL"
  done
  log "not converged after ${TIMEOUT}s:"
  docker stack services "$STACK" >&2 || true
  return 1
}

explain_failure() {
  local svc
  for svc in $(stack_services); do
    docker service ps --no-trunc --filter desired-state=shutdown \
      --format '{{.Name}} {{.Image}} {{.CurrentState}} {{.Error}}' "$svc" 2>/dev/null | head -n 3 >&2 || true
  done
}

# record TAG OUTCOME appends one line to the deployment history.
record() { printf '%s %s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" "$2" >>"$HISTORY"; }

deploy() {
  log "docker stack deploy ${FILES[*]} $STACK (TAG=$TAG)"
  remember_updates
  docker stack deploy --with-registry-auth --resolve-image "$RESOLVE" --detach=true "${FILES[@]}" "$STACK"
}

PREVIOUS=''
if service_exists "${STACK}_web"; then
  PREVIOUS=$(tag_of "$(docker service inspect -f '{{.Spec.TaskTemplate.ContainerSpec.Image}}' "${STACK}_web")")
fi
log "deploying $TAG (running now: ${PREVIOUS:-nothing})"
ensure_secrets

if ((migrate)) && service_exists "${STACK}_migrate"; then
  if ! run_migration "$TAG"; then
    record "$TAG" migration-failed
    die "migration with $TAG failed; the services were not touched (docker service logs ${STACK}_migrate)"
  fi
fi

export TAG
deploy
if wait_converged; then
  record "$TAG" deployed
  log "$TAG is deployed and every service has converged"
  exit 0
fi

record "$TAG" failed
log "deployment of $TAG failed"
explain_failure
if [[ -n $PREVIOUS && $PREVIOUS != "$TAG" ]]; then
  log "rolling the stack back to $PREVIOUS"
  TAG=$PREVIOUS
  deploy
  if wait_converged; then
    record "$PREVIOUS" deployed
    log "rolled back to $PREVIOUS"
  else
    record "$PREVIOUS" failed
    log "the rollback to $PREVIOUS did not converge either: check docker stack ps $STACK"
  fi
fi
exit 1
