#!/usr/bin/env bash
# swarm-ssh.sh runs one of a few fixed operations on the Swarm manager over
# SSH, for the staging, production and rollback workflows (docs/ci-cd.md):
#
#   swarm-ssh.sh deploy TAG COMMIT    check out COMMIT in SWARM_DIR, then
#                                     scripts/deploy.sh TAG
#   swarm-ssh.sh rollback TAG         check out the git tag TAG (if there
#                                     is one), then scripts/rollback.sh TAG
#   swarm-ssh.sh running              print "service image" for every service
#                                     of the stack (image with its digest)
#
# Environment (from the workflow's environment secrets and variables):
#   SWARM_HOST         user@host of a manager
#   SWARM_SSH_KEY      the private key of the deploy user
#   SWARM_KNOWN_HOSTS  the manager's host key line(s): the host is checked,
#                      never trusted on first use
#   SWARM_DIR          the checkout on the manager (default /opt/minitwit)
#   STACK_NAME         the stack (default minitwit)
#
# The remote command line is built here from validated values only: a git
# tag may hold characters a shell would interpret, an image tag may not.
set -euo pipefail

die() { printf 'swarm-ssh: %s\n' "$*" >&2; exit 1; }

: "${SWARM_HOST:?SWARM_HOST is not set (environment secret)}"
: "${SWARM_SSH_KEY:?SWARM_SSH_KEY is not set (environment secret)}"
: "${SWARM_KNOWN_HOSTS:?SWARM_KNOWN_HOSTS is not set (environment secret)}"
DIR=${SWARM_DIR:-/opt/minitwit}
STACK=${STACK_NAME:-minitwit}
[[ $DIR =~ ^/[A-Za-z0-9_./-]+$ ]] || die "SWARM_DIR '$DIR' is not a plain absolute path"
[[ $STACK =~ ^[A-Za-z0-9_-]+$ ]] || die "STACK_NAME '$STACK' is not a plain name"

valid_tag() { [[ $1 =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "'$1' is not a valid image tag"; }
valid_commit() { [[ $1 =~ ^[0-9a-f]{40}$ ]] || die "'$1' is not a full commit hash"; }

case ${1:-} in
  deploy)
    (($# == 3)) || die "usage: swarm-ssh.sh deploy TAG COMMIT"
    valid_tag "$2"
    valid_commit "$3"
    remote="cd '$DIR' && git fetch --quiet --tags origin && git checkout --quiet --detach '$3' && STACK_NAME='$STACK' scripts/deploy.sh '$2'"
    ;;
  rollback)
    (($# == 2)) || die "usage: swarm-ssh.sh rollback TAG"
    valid_tag "$2"
    # The stack files the release was deployed with, when it has a git
    # tag (every release from production.yml has).
    remote="cd '$DIR' && git fetch --quiet --tags origin && { if git rev-parse --quiet --verify 'refs/tags/$2' >/dev/null; then git checkout --quiet --detach 'refs/tags/$2'; else echo 'no git tag $2: keeping the current checkout' >&2; fi; } && STACK_NAME='$STACK' scripts/rollback.sh '$2'"
    ;;
  running)
    (($# == 1)) || die "usage: swarm-ssh.sh running"
    remote="docker stack services -q '$STACK' | xargs -r docker service inspect -f '{{.Spec.Name}} {{.Spec.TaskTemplate.ContainerSpec.Image}}' | sort"
    ;;
  *) die "usage: swarm-ssh.sh deploy TAG COMMIT | rollback TAG | running" ;;
esac

dir=$(mktemp -d "${RUNNER_TEMP:-/tmp}/swarm-ssh.XXXXXX")
trap 'rm -rf "$dir"' EXIT
install -m 600 /dev/null "$dir/key"
printf '%s\n' "$SWARM_SSH_KEY" >"$dir/key"
printf '%s\n' "$SWARM_KNOWN_HOSTS" >"$dir/known_hosts"
ssh -i "$dir/key" -o IdentitiesOnly=yes -o BatchMode=yes \
  -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$dir/known_hosts" \
  -o ConnectTimeout=20 -o ServerAliveInterval=30 "$SWARM_HOST" "$remote"
