#!/usr/bin/env bash
# db-tls.sh [--force] [--renew] [--drop-previous] [DIR] makes the stack's own
# certificate authority and PostgreSQL's server certificate, for TLS with
# sslmode=verify-full between the services and the database
# (docs/deployment.md, "Database TLS"). scripts/deploy.sh turns the files
# into Docker secrets.
#
# DIR (default DB_TLS_DIR, else /var/lib/minitwit/db-tls) holds:
#   ca.key ca.pem   the CA's key and certificate (P-256, 10 years); the key
#                   never leaves this directory
#   ca-bundle.crt   what clients trust: ca.pem, plus the previous CA during a
#                   rotation
#   server.key server.crt  PostgreSQL's key and certificate (P-256, 825
#                   days), signed by ca.pem, for the host names the
#                   services use (below)
#
# Idempotent: an existing CA is kept; the server certificate is (re)made
# when it is missing, not signed by a CA of ca-bundle.crt, names other hosts
# than wanted, or expires within 30 days.
#   --force          a new CA (rotation); the old CA's certificate stays in
#                    ca-bundle.crt so that clients trust both, and so does
#                    the server certificate it signed, until --renew
#   --renew          a new server key and certificate, signed by ca.pem
#   --drop-previous  ca-bundle.crt holds the current CA only
# A CA rotation is three deploys: --force, --renew, --drop-previous.
#
# Host names (subjectAltName): for each service name in DB_TLS_SERVICES
# (default "postgres db-replica"): NAME, tasks.NAME, STACK_NAME_NAME and
# tasks.STACK_NAME_NAME (STACK_NAME default minitwit), plus the names in
# DB_TLS_EXTRA_NAMES (space-separated, e.g. a database moved out of the
# swarm). Prints DIR on stdout.
set -euo pipefail

log() { printf '%s db-tls: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

force=0 renew=0 drop=0 dir=''
while (($#)); do
  case $1 in
    --force) force=1 ;;
    --renew) renew=1 ;;
    --drop-previous) drop=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) [[ -z $dir ]] || die "only one DIR"; dir=$1 ;;
  esac
  shift
done
dir=${dir:-${DB_TLS_DIR:-/var/lib/minitwit/db-tls}}
command -v openssl >/dev/null || die "openssl is missing (apt-get install openssl)"

stack=${STACK_NAME:-minitwit}
names=()
for svc in ${DB_TLS_SERVICES:-postgres db-replica}; do
  names+=("$svc" "tasks.$svc" "${stack}_$svc" "tasks.${stack}_$svc")
done
# shellcheck disable=SC2206 # a space-separated list of host names
names+=(${DB_TLS_EXTRA_NAMES:-})
for n in "${names[@]}"; do
  [[ $n =~ ^[A-Za-z0-9]([A-Za-z0-9._-]{0,252})$ ]] || die "'$n' is not a host name"
done
san=$(printf 'DNS:%s,' "${names[@]}")
san=${san%,}

umask 077
mkdir -p "$dir"
chmod 700 "$dir"
cd "$dir"

new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.new" 2>/dev/null && mv "$1.new" "$1"; }

if ((force == 0)) && [[ -s ca.key && -s ca.pem ]]; then
  :
elif ((force == 0)) && [[ -e ca.key || -e ca.pem ]]; then
  die "$dir has only half of a CA (ca.key, ca.pem): restore the other half, or replace the CA with --force"
else
  if [[ -s ca.pem ]]; then
    cp ca.pem ca-previous.pem
    log "replacing the CA (the old one stays trusted in ca-bundle.crt until --drop-previous)"
  fi
  new_key ca.key
  openssl req -new -x509 -key ca.key -sha256 -days 3650 -subj "/CN=MiniTwit database CA $(date -u +%Y-%m-%d)" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out ca.pem.new 2>/dev/null
  mv ca.pem.new ca.pem
  [[ -s ca-previous.pem ]] || renew=1
  log "made a new CA in $dir"
fi
((drop == 0)) || rm -f ca-previous.pem
cat ca.pem >ca-bundle.crt.new
[[ -s ca-previous.pem ]] && cat ca-previous.pem >>ca-bundle.crt.new
mv ca-bundle.crt.new ca-bundle.crt

# server_current succeeds when server.crt is signed by a trusted CA, names exactly
# the wanted hosts, matches server.key and is valid for 30 more days.
server_current() {
  [[ -s server.key && -s server.crt ]] || return 1
  openssl verify -CAfile ca-bundle.crt server.crt >/dev/null 2>&1 || return 1
  openssl x509 -in server.crt -noout -checkend $((30 * 86400)) >/dev/null || return 1
  local have want
  have=$(openssl x509 -in server.crt -noout -ext subjectAltName | tail -n +2 | tr -d ' ' | tr ',' '\n' | sort)
  want=$(tr ',' '\n' <<<"$san" | sort)
  [[ $have == "$want" ]] || return 1
  [[ $(openssl pkey -in server.key -pubout) == "$(openssl x509 -in server.crt -noout -pubkey)" ]]
}

if ((renew)) || ! server_current; then
  new_key server.key
  openssl req -new -key server.key -subj "/CN=${names[0]}" -out server.csr 2>/dev/null
  printf 'subjectAltName=%s\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' "$san" >server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -sha256 -days 825 \
    -extfile server.ext -out server.crt.new 2>/dev/null
  mv server.crt.new server.crt
  rm -f server.csr server.ext
  log "made the server certificate for ${names[*]}"
fi
chmod 600 ./*.key
chmod 644 ca.pem ca-bundle.crt server.crt
echo "$dir"
