#!/usr/bin/env bash
# certbot-renew.sh [--dry-run] obtains or renews the gateway's Let's Encrypt
# certificate with certbot's webroot mode. Run it as root on the edge node
# (the node labelled minitwit.edge=true), once by hand for the first
# certificate and then from cron or a systemd timer twice a day, e.g.
#   17 3,15 * * * root /opt/minitwit/scripts/certbot-renew.sh >>/var/log/minitwit-certbot.log 2>&1
# certbot only contacts Let's Encrypt when the certificate is missing or
# within 30 days of expiry (--keep-until-expiring).
#
# The gateway serves /.well-known/acme-challenge/ over plain HTTP from
# ACME_WEBROOT (bind-mounted read-only) and, by itself, starts serving a new
# certificate from LETSENCRYPT_DIR within five minutes: no redeploy, no
# restart.
#
# Settings (environment, or stack/minitwit.env): DOMAIN (required),
# LETSENCRYPT_EMAIL (required), EXTRA_DOMAINS (more names on the same
# certificate, comma-separated), ACME_WEBROOT (/var/lib/minitwit/acme),
# LETSENCRYPT_DIR (/etc/letsencrypt), CERTBOT_STAGING=1 (the staging CA, for
# trying things out). --dry-run asks the staging CA without saving anything.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() { printf 'certbot-renew: error: %s\n' "$*" >&2; exit 1; }

dry_run=0
case ${1:-} in
  --dry-run) dry_run=1 ;;
  -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  '') ;;
  *) die "unknown argument $1" ;;
esac

ENV_FILE=${MINITWIT_ENV:-$ROOT/stack/minitwit.env}
if [[ -f $ENV_FILE ]]; then
  set -a
  # shellcheck disable=SC1090 # the operator's settings file
  source "$ENV_FILE"
  set +a
fi
: "${DOMAIN:?set DOMAIN, the public host name}"
: "${LETSENCRYPT_EMAIL:?set LETSENCRYPT_EMAIL for expiry notices from Let\'s Encrypt}"
ACME_WEBROOT=${ACME_WEBROOT:-/var/lib/minitwit/acme}
LETSENCRYPT_DIR=${LETSENCRYPT_DIR:-/etc/letsencrypt}
command -v certbot >/dev/null || die "certbot is not installed (apt-get install certbot)"

# Check the path Let's Encrypt will use before asking it: a wrong DNS record
# or a gateway that is not running would otherwise only show up as a failed
# (and rate-limited) validation.
challenge=$ACME_WEBROOT/.well-known/acme-challenge
mkdir -p "$challenge"
chmod 0755 "$ACME_WEBROOT" "$ACME_WEBROOT/.well-known" "$challenge"
probe=probe-$$-$RANDOM
echo "$probe" >"$challenge/$probe"
chmod 0644 "$challenge/$probe"
got=$(curl -s --max-time 10 "http://$DOMAIN/.well-known/acme-challenge/$probe" || true)
rm -f "$challenge/$probe"
[[ $got == "$probe" ]] ||
  die "http://$DOMAIN/.well-known/acme-challenge/ does not serve $challenge: check that DNS points at this node, port 80 is open and the gateway runs here with ACME_WEBROOT mounted"

args=(certonly --webroot -w "$ACME_WEBROOT" --non-interactive --agree-tos -m "$LETSENCRYPT_EMAIL"
  --keep-until-expiring --cert-name "$DOMAIN" --config-dir "$LETSENCRYPT_DIR" -d "$DOMAIN")
IFS=', ' read -r -a extra <<<"${EXTRA_DOMAINS:-}"
for d in "${extra[@]}"; do
  [[ -n $d ]] && args+=(-d "$d")
done
[[ ${CERTBOT_STAGING:-0} == 1 ]] && args+=(--staging)
((dry_run)) && args+=(--dry-run)

certbot "${args[@]}"
if ((!dry_run)); then
  printf 'certbot-renew: %s certificate valid until %s\n' "$DOMAIN" \
    "$(openssl x509 -noout -enddate -in "$LETSENCRYPT_DIR/live/$DOMAIN/fullchain.pem" | cut -d= -f2)"
fi
