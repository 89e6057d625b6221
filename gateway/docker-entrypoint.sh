#!/bin/sh
# Container entrypoint: put a certificate in place, render nginx.conf from the
# environment and run nginx in the foreground as PID 1.
#
# Certificates come from Let's Encrypt (scripts/certbot-renew.sh on the host,
# /etc/letsencrypt mounted read-only). Until the first one exists a stand-in
# self-signed certificate keeps HTTPS up, because nginx must already be
# serving the ACME challenge on port 80 for certbot to get one. A background
# loop notices issued or renewed certificates and reloads nginx gracefully,
# so renewals need no redeploy.
set -eu

: "${SERVER_NAME:?SERVER_NAME must name the public host, e.g. minitwit.example.org}"
domain=${SERVER_NAME%% *}
le_cert=${LE_CERT:-/etc/letsencrypt/live/$domain/fullchain.pem}
le_key=${LE_KEY:-/etc/letsencrypt/live/$domain/privkey.pem}
# Paths are overridable so the Gateway suite (services/e2e) can run this entrypoint
# outside a container against the Debian nginx.
conf=${GATEWAY_CONF:-/etc/nginx/nginx.conf}
tls=${GATEWAY_TLS_DIR:-/run/minitwit-tls}
lib=${GATEWAY_LIB:-/usr/local/lib/minitwit-gateway}
template=${GATEWAY_TEMPLATE:-/etc/nginx/minitwit/nginx.conf.template}
export TLS_CERT="$tls/fullchain.pem" TLS_KEY="$tls/privkey.pem"

# install_cert succeeds when it changed the certificate nginx serves.
install_cert() {
	if [ -r "$le_cert" ] && [ -r "$le_key" ]; then
		if cmp -s "$le_cert" "$TLS_CERT" && cmp -s "$le_key" "$TLS_KEY"; then
			return 1
		fi
		cp "$le_cert" "$TLS_CERT.new"
		(umask 077 && cp "$le_key" "$TLS_KEY.new")
		mv "$TLS_KEY.new" "$TLS_KEY"
		mv "$TLS_CERT.new" "$TLS_CERT"
		echo "gateway: serving the certificate from $le_cert" >&2
		return 0
	fi
	[ -s "$TLS_CERT" ] && return 1
	echo "gateway: no certificate at $le_cert yet; serving a self-signed stand-in" >&2
	(umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-days 30 -subj "/CN=$domain" -addext "subjectAltName=DNS:$domain" \
		-keyout "$TLS_KEY" -out "$TLS_CERT" 2>/dev/null)
	return 0
}

mkdir -p "$tls"
install_cert || true
"$lib/render.sh" "$template" "$conf"
nginx -t -q -c "$conf"

# $$ is this shell, which becomes nginx below; the loop ends with it.
(
	while sleep "${CERT_CHECK_SECONDS:-300}" && kill -0 "$$" 2>/dev/null; do
		if install_cert; then
			nginx -c "$conf" -s reload || echo "gateway: reload after certificate change failed" >&2
		fi
	done
) &

exec nginx -c "$conf"
