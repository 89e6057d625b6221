#!/bin/sh
# Renders alertmanager.yml with the webhook URL read from a Docker secret and
# starts Alertmanager. POSIX sh: the Alertmanager image is busybox-based.
# Alertmanager 0.25 (Debian's, used by the tests) has no url_file for webhooks.
set -eu

template=${ALERTMANAGER_TEMPLATE:-/etc/alertmanager/alertmanager.tmpl.yml}
url_file=${WEBHOOK_URL_FILE:-/run/secrets/alertmanager_webhook_url}
rendered=${ALERTMANAGER_CONFIG:-/alertmanager/alertmanager.yml}
binary=${ALERTMANAGER_BIN:-/bin/alertmanager}

[ -r "$url_file" ] || { echo "start.sh: webhook URL file $url_file is missing" >&2; exit 1; }
url=$(head -n 1 "$url_file" | tr -d '\r')
case $url in
  http://*|https://*) ;;
  *) echo "start.sh: $url_file must hold an http(s) URL" >&2; exit 1 ;;
esac
case $url in
  *"'"*) echo "start.sh: the webhook URL must not contain a single quote" >&2; exit 1 ;;
esac
# Escape what sed treats specially in a replacement: \ & and the delimiter |.
escaped=$(printf '%s' "$url" | sed -e 's/[\\&|]/\\&/g')
umask 077
sed "s|__WEBHOOK_URL__|$escaped|" "$template" >"$rendered"
exec "$binary" --config.file="$rendered" "$@"
