#!/usr/bin/env bash
# check-digests.sh DIGESTS_JSON RUNNING compares what the Swarm runs with the
# image digests a workflow recorded (docs/ci-cd.md):
#
#   DIGESTS_JSON  {"commit": ..., "images": {"web": {"repo": "ghcr.io/o/minitwit-web",
#                 "digest": "sha256:..."}, ...}} as staging.yml writes it
#   RUNNING       "service image" lines from `swarm-ssh.sh running`, where
#                 image is repo:tag@sha256:... (deploy.sh resolves every tag)
#
# Every recorded image must run, and every service running one of these
# repositories must run exactly the recorded digest; otherwise it names the
# differences and exits 1.
set -euo pipefail
(($# == 2)) || { echo "usage: check-digests.sh DIGESTS_JSON RUNNING" >&2; exit 2; }

declare -A want_repo=() want_digest=() seen=()
while read -r name repo digest; do
  want_repo[$name]=$repo
  want_digest[$name]=$digest
done < <(jq -r '.images | to_entries[] | "\(.key) \(.value.repo) \(.value.digest)"' "$1")
((${#want_repo[@]})) || { echo "check-digests: no images in $1" >&2; exit 1; }

bad=0
while read -r service image; do
  [[ -n $service ]] || continue
  ref=${image%@*}
  digest=''
  [[ $image == *@* ]] && digest=${image##*@}
  repo=${ref%:*}
  [[ $repo == "$ref" || $repo == */* ]] || repo=$ref # a registry port, no tag
  for name in "${!want_repo[@]}"; do
    [[ $repo == "${want_repo[$name]}" ]] || continue
    seen[$name]=1
    if [[ $digest != "${want_digest[$name]}" ]]; then
      echo "check-digests: $service runs $image, want ${want_repo[$name]}@${want_digest[$name]}" >&2
      bad=1
    else
      echo "check-digests: $service runs $repo@$digest"
    fi
  done
done <"$2"
for name in "${!want_repo[@]}"; do
  [[ -n ${seen[$name]:-} ]] || { echo "check-digests: no service runs ${want_repo[$name]}" >&2; bad=1; }
done
exit "$bad"
