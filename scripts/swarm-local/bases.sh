#!/usr/bin/env bash
# bases.sh makes the local stand-ins for the base images the production
# Dockerfiles and stack files pull from registries (none is reachable here)
# and loads them into the local dockerd (scripts/swarm-local/lib.sh). It
# prints "NAME=IMAGE" lines on stdout, e.g. GO_IMAGE=minitwit-local/go:<hash>.
#
# Each stand-in is made once, saved under SWARM_CACHE as a tarball named
# after a hash of its recipe (this file, its inputs, the Go toolchain and CA
# bundle it copies) and loaded from there on later runs.
#
#   debian     debootstrap --variant=minbase bookworm from the archive apt
#              already uses, then `docker import`
#   go         debian + the host's Go toolchain + the host's CA bundle (the
#              module proxy is reached through an intercepting proxy), with
#              the host's GOPROXY/GOFLAGS/GOSUMDB; stands in for golang:1.26
#   gowarm     go + the services' modules downloaded and their dependencies
#              compiled (GOMODCACHE and GOCACHE under /opt), so a build from
#              services/Dockerfile compiles only MiniTwit's own packages;
#              remade when a go.mod or go.sum changes
#   static     scratch + passwd/group with nonroot (65532) + CA bundle +
#              /tmp; stands in for gcr.io/distroless/static-debian12:nonroot
#   nginx      debian + nginx-light, openssl, envsubst, busybox wget, user
#              nginx (101), and an `apk` that checks instead of installs;
#              stands in for nginx:1.27-alpine
#   postgres   debian + postgresql-15 with an entrypoint that implements the
#              official image's first-start contract (POSTGRES_DB/USER/
#              PASSWORD_FILE, initdb -E UTF8); stands in for postgres:15-bookworm
#   monitor    debian + Prometheus, Alertmanager and the node, postgres,
#              nginx and blackbox exporters, from Debian packages
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=scripts/swarm-local/lib.sh
source "$HERE/lib.sh"

MIRROR=${DEBIAN_MIRROR:-$(awk '/^URIs:/ && $2 ~ /debian$/ {print $2; exit} /^deb / && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null || true)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
GOROOT_HOST=$(go env GOROOT)
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
mkdir -p "$SWARM_CACHE"

# recipe_hash NAME [INPUT...] hashes what makes stand-in NAME: its build
# function, its files under bases/ and the inputs named.
recipe_hash() {
  local name=$1
  shift
  {
    declare -f "build_$name"
    cat "$HERE/bases/policy-rc.d"
    for f in "$HERE/bases/$name".* "$HERE/bases/$name"-*; do
      [[ -f $f ]] && cat "$f"
    done
    printf '%s\n' "$MIRROR" "$@"
  } | sha256sum | cut -c1-12
}

# cached NAME REF loads REF from the cache, or runs build_NAME to make it
# and saves it there (replacing older versions of NAME).
cached() {
  local name=$1 ref=$2 builder=build_$1 tar
  tar="$SWARM_CACHE/$name-${ref##*:}.tar"
  if dk image inspect "$ref" >/dev/null 2>&1; then
    :
  elif [[ -s $tar ]]; then
    swarm_log "loading $ref from $tar"
    dk load -q -i "$tar" >/dev/null
  else
    swarm_log "making $ref (first run only)"
    "$builder" "$ref"
    rm -f "$SWARM_CACHE/$name-"*.tar "$SWARM_CACHE/$name-"*.tar.partial
    dk save -o "$tar.partial" "$ref"
    mv "$tar.partial" "$tar"
  fi
}

# have NAME REF succeeds when REF is loaded or cached.
have() { dk image inspect "$2" >/dev/null 2>&1 || [[ -s $SWARM_CACHE/$1-${2##*:}.tar ]]; }

build_debian() {
  local root
  root=$(mktemp -d /tmp/minitwit-debootstrap.XXXXXX)
  # shellcheck disable=SC2064 # expand now: root is local
  trap "rm -rf '$root'" RETURN
  debootstrap --variant=minbase bookworm "$root" "$MIRROR" >"$root.log" 2>&1 ||
    { tail -n 20 "$root.log" >&2; rm -f "$root.log"; swarm_die "debootstrap failed"; }
  rm -f "$root.log"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | dk import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' - "$1" >/dev/null
}

# build_from REF DOCKERFILE [CONTEXT] builds a stand-in from a Dockerfile
# under bases/ with the debian stand-in as BASE.
build_from() {
  local ref=$1 file=$2 ctx=${3:-$HERE/bases}
  dk build -q -f "$HERE/bases/$file" --build-arg BASE="$DEBIAN" --build-arg MIRROR="$MIRROR" \
    -t "$ref" "$ctx" >/dev/null
}

build_go() {
  local ctx
  ctx=$(mktemp -d /tmp/minitwit-gobase.XXXXXX)
  # shellcheck disable=SC2064 # expand now: ctx is local
  trap "rm -rf '$ctx'" RETURN
  # Hard links when /tmp shares the file system, a copy otherwise.
  cp -al "$GOROOT_HOST" "$ctx/go" 2>/dev/null || cp -a "$GOROOT_HOST" "$ctx/go"
  cp "$CA_BUNDLE" "$ctx/ca-certificates.crt"
  dk build -q -f "$HERE/bases/go.Dockerfile" --build-arg BASE="$DEBIAN" \
    --build-arg GOPROXY="$(go env GOPROXY)" --build-arg GOFLAGS="$(go env GOFLAGS)" \
    --build-arg GOSUMDB="$(go env GOSUMDB)" --build-arg GONOSUMDB="$(go env GONOSUMDB)" \
    -t "$1" "$ctx" >/dev/null
}

build_static() {
  local root
  root=$(mktemp -d /tmp/minitwit-static.XXXXXX)
  # shellcheck disable=SC2064 # expand now: root is local
  trap "rm -rf '$root'" RETURN
  mkdir -p "$root/etc/ssl/certs" "$root/tmp" "$root/home/nonroot"
  chmod 1777 "$root/tmp"
  chown 65532:65532 "$root/home/nonroot"
  printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
    'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >"$root/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nobody:x:65534:' 'nonroot:x:65532:' >"$root/etc/group"
  cp "$CA_BUNDLE" "$root/etc/ssl/certs/ca-certificates.crt"
  tar -C "$root" --numeric-owner -c . | dk import \
    --change 'USER 65532:65532' --change 'WORKDIR /home/nonroot' \
    --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' - "$1" >/dev/null
}

build_nginx() { build_from "$1" nginx.Dockerfile; }
build_postgres() { build_from "$1" postgres.Dockerfile; }
build_monitor() { build_from "$1" monitor.Dockerfile; }

build_gowarm() {
  dk build -q -f "$HERE/bases/gowarm.Dockerfile" --build-arg BASE="$GO_BASE" -t "$1" "$REPO" >/dev/null
}

main() {
  command -v debootstrap >/dev/null || swarm_die "debootstrap is missing (apt-get install debootstrap)"
  local go_version ca_hash deps_hash
  go_version=$("$GOROOT_HOST/bin/go" env GOVERSION)
  ca_hash=$(sha256sum <"$CA_BUNDLE" | cut -c1-12)
  # The warm build cache follows the modules the services use.
  # (the images' modules: services/e2e is not in the build context).
  deps_hash=$(cd "$REPO" && for f in services/*/go.mod services/*/go.sum; do [[ $f == services/e2e/* ]] || cat "$f"; done | sha256sum | cut -c1-12)

  # Names first: a stand-in is loaded only when it is used, and the ones
  # it derives from only when it has to be made.
  DEBIAN=minitwit-local/debian:bookworm-$(recipe_hash debian)
  GO_BASE=minitwit-local/go-base:$go_version-$(recipe_hash go "$DEBIAN" "$go_version" "$ca_hash" "$(go env GOPROXY GOFLAGS GOSUMDB GONOSUMDB)")
  local go_image static nginx postgres monitor
  go_image=minitwit-local/go:$go_version-$(recipe_hash gowarm "$GO_BASE" "$deps_hash")
  static=minitwit-local/static:nonroot-$(recipe_hash static "$ca_hash")
  nginx=minitwit-local/nginx:$(recipe_hash nginx "$DEBIAN")
  postgres=minitwit-local/postgres:15-$(recipe_hash postgres "$DEBIAN")
  monitor=minitwit-local/monitor:$(recipe_hash monitor "$DEBIAN")

  if ! have nginx "$nginx" || ! have postgres "$postgres" || ! have monitor "$monitor" ||
    { ! have gowarm "$go_image" && ! have go "$GO_BASE"; }; then
    cached debian "$DEBIAN"
  fi
  have gowarm "$go_image" || cached go "$GO_BASE"
  cached gowarm "$go_image"
  cached static "$static"
  cached nginx "$nginx"
  cached postgres "$postgres"
  cached monitor "$monitor"

  printf '%s\n' "GO_IMAGE=$go_image" "RUNTIME_IMAGE=$static" "NGINX_IMAGE=$nginx" \
    "POSTGRES_IMAGE=$postgres" "MONITOR_IMAGE=$monitor"
}

main "$@"
