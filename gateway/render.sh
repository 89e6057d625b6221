#!/bin/sh
# render.sh TEMPLATE OUTPUT writes the gateway's nginx.conf from TEMPLATE and
# the environment. The container entrypoint and scripts/gateway-local.sh both
# call it, so production and the local end-to-end run use one configuration.
#
# POSIX sh on purpose: the official nginx:alpine image has no bash.
# Every value is checked against a narrow character set before it reaches the
# configuration, so a typo in an environment variable fails the start instead
# of silently opening (or closing) the API.
set -eu

die() {
	echo "render.sh: $*" >&2
	exit 1
}

[ $# -eq 2 ] || die "usage: render.sh TEMPLATE OUTPUT"
template=$1
output=$2
[ -r "$template" ] || die "cannot read template $template"

: "${SERVER_NAME:=localhost}"
: "${LISTEN_HOST:=}"
: "${HTTP_PORT:=80}"
: "${HTTPS_PORT:=443}"
: "${PUBLIC_HTTPS_PORT:=443}"
: "${WEB_UPSTREAM:=web:8081}"
: "${API_UPSTREAM:=api:8082}"
: "${ACCEPTED_IPS:=}"
: "${ALLOW_ANY_CLIENT:=}"
: "${TRUSTED_PROXIES:=}"
: "${TLS_CERT:=/etc/letsencrypt/live/${SERVER_NAME%% *}/fullchain.pem}"
: "${TLS_KEY:=/etc/letsencrypt/live/${SERVER_NAME%% *}/privkey.pem}"
: "${ACME_ROOT:=/var/www/acme}"
: "${RUN_DIR:=/var/cache/nginx/minitwit}"
: "${ACCESS_LOG:=/dev/stdout}"
: "${ERROR_LOG:=stderr}"
: "${MIME_TYPES:=/etc/nginx/mime.types}"
: "${NGINX_USER:=}"
: "${WORKER_PROCESSES:=auto}"
: "${AUTH_RATE:=5r/s}"
: "${AUTH_BURST:=20}"
: "${HSTS_MAX_AGE:=63072000}"
: "${CLIENT_HEADER_TIMEOUT:=10s}"
: "${CLIENT_BODY_TIMEOUT:=10s}"
: "${SEND_TIMEOUT:=10s}"
: "${WORKER_SHUTDOWN_TIMEOUT:=20s}"
: "${CONN_LIMIT_PER_CLIENT:=100}"
: "${STATUS_PORT:=}"
: "${STATUS_ALLOW:=127.0.0.1,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16}"
: "${GRAFANA_UPSTREAM:=}"
: "${RESOLVER:=127.0.0.11}"
: "${CSP:=default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'}"

nl='
'

# only VALUE ALLOWED NAME fails unless VALUE is non-empty and uses only the
# characters of the bracket expression ALLOWED.
only() {
	[ -n "$1" ] || die "$3 is empty"
	case $1 in
	*[!$2]*) die "$3 has a character outside [$2]: '$1'" ;;
	esac
}

# duration VALUE NAME: nginx's time syntax, e.g. 10s, 500ms, 2m.
duration() {
	case $1 in
	*[0-9]ms | *[0-9]s | *[0-9]m) only "${1%%[ms]*}" '0-9' "$2" ;;
	*) die "$2 must look like 10s, 500ms or 2m: '$1'" ;;
	esac
}

port() {
	only "$1" '0-9' "$2"
	if [ "$1" -lt 1 ] || [ "$1" -gt 65535 ]; then die "$2 is not a port: $1"; fi
}

# each LIST calls "item ITEM" for every comma-separated, space-trimmed entry.
each() {
	_rest=$1,
	while [ -n "$_rest" ]; do
		_item=${_rest%%,*}
		_rest=${_rest#*,}
		_item=$(printf '%s' "$_item" | tr -d ' \t')
		[ -n "$_item" ] && item "$_item"
	done
	return 0
}

port "$HTTP_PORT" HTTP_PORT
port "$HTTPS_PORT" HTTPS_PORT
port "$PUBLIC_HTTPS_PORT" PUBLIC_HTTPS_PORT
only "$SERVER_NAME" 'A-Za-z0-9.* _-' SERVER_NAME
only "$AUTH_BURST" '0-9' AUTH_BURST
# nginx refuses burst=0 at start; say so here, with the variable's name.
[ "$AUTH_BURST" -ge 1 ] || die "AUTH_BURST must be at least 1"
case $AUTH_RATE in
*r/s | *r/m) only "${AUTH_RATE%r/?}" '0-9' AUTH_RATE ;;
*) die "AUTH_RATE must look like 5r/s or 60r/m: '$AUTH_RATE'" ;;
esac
only "$HSTS_MAX_AGE" '0-9' HSTS_MAX_AGE
duration "$CLIENT_HEADER_TIMEOUT" CLIENT_HEADER_TIMEOUT
duration "$CLIENT_BODY_TIMEOUT" CLIENT_BODY_TIMEOUT
duration "$SEND_TIMEOUT" SEND_TIMEOUT
duration "$WORKER_SHUTDOWN_TIMEOUT" WORKER_SHUTDOWN_TIMEOUT
only "$CONN_LIMIT_PER_CLIENT" '0-9' CONN_LIMIT_PER_CLIENT
[ "$CONN_LIMIT_PER_CLIENT" -ge 1 ] || die "CONN_LIMIT_PER_CLIENT must be at least 1"
# Redirects name the first server name, never the Host a client sent.
CANONICAL_HOST=${SERVER_NAME%% *}
case $CANONICAL_HOST in
'' | *'*'*) die "SERVER_NAME must start with a plain host name (redirects use it): '$SERVER_NAME'" ;;
esac
only "$WORKER_PROCESSES" 'a-z0-9' WORKER_PROCESSES
case $CSP in
*[\"\\\$]* | *"$nl"*) die "CSP must not hold quotes, backslashes, dollars or newlines" ;;
esac
for p in "$TLS_CERT" "$TLS_KEY" "$ACME_ROOT" "$RUN_DIR" "$MIME_TYPES"; do
	only "$p" 'A-Za-z0-9/._+-' "path '$p'"
done
for p in "$ACCESS_LOG" "$ERROR_LOG"; do
	only "$p" 'A-Za-z0-9/._:+-' "log '$p'"
done

if [ -n "$LISTEN_HOST" ]; then
	only "$LISTEN_HOST" ']0-9a-fA-F.:[' LISTEN_HOST
	HTTP_LISTEN=$LISTEN_HOST:$HTTP_PORT
	HTTPS_LISTEN=$LISTEN_HOST:$HTTPS_PORT
else
	HTTP_LISTEN=$HTTP_PORT
	HTTPS_LISTEN=$HTTPS_PORT
fi

# Browsers drop ":443" themselves; any other port is part of the public
# origin (redirects, and the Host the services see).
PUBLIC_PORT_SUFFIX=
[ "$PUBLIC_HTTPS_PORT" = 443 ] || PUBLIC_PORT_SUFFIX=:$PUBLIC_HTTPS_PORT

NGINX_USER_LINE="# workers run as the user that started nginx"
if [ -n "$NGINX_USER" ]; then
	only "$NGINX_USER" 'a-z0-9_ -' NGINX_USER
	NGINX_USER_LINE="user $NGINX_USER;"
fi

# Upstreams: "host:port" entries. max_fails=0 keeps nginx from benching a
# replica for a single refused connection (it retries the next one anyway),
# which matters when Swarm's virtual IP is the only entry.
item() {
	only "$1" ']A-Za-z0-9.:_[-' "upstream '$1'"
	case $1 in *:*) ;; *) die "upstream '$1' needs a port" ;; esac
	servers="$servers        server $1 max_fails=0;$nl"
}
servers=
each "$WEB_UPSTREAM"
[ -n "$servers" ] || die "WEB_UPSTREAM is empty"
WEB_SERVERS=$servers
servers=
each "$API_UPSTREAM"
[ -n "$servers" ] || die "API_UPSTREAM is empty"
API_SERVERS=$servers

# ACCEPTED_IPS: only the listed addresses and CIDR blocks may use /api/.
# It has no default: a gateway that forgot it must not quietly open the API
# to everyone. "*" (every client) is accepted only with ALLOW_ANY_CLIENT=1.
# geo matches $remote_addr, which is the TCP peer unless realip below
# replaced it for a trusted proxy.
item() {
	only "$1" '0-9a-fA-F.:/' "ACCEPTED_IPS entry '$1'"
	geo="$geo        $1 1;$nl"
}
any_client_hint="or set ACCEPTED_IPS=* together with ALLOW_ANY_CLIENT=1 to let every client use it"
case $ACCEPTED_IPS in
'' | ' ')
	die "ACCEPTED_IPS is not set: list the addresses or CIDR blocks that may use /api/ (the simulator's), $any_client_hint"
	;;
'*' | ' *' | '* ')
	[ "$ALLOW_ANY_CLIENT" = 1 ] || die "ACCEPTED_IPS=* opens /api/ to every client; list the allowed addresses, $any_client_hint"
	GEO_ENTRIES="        default 1;"
	;;
*)
	geo="        default 0;$nl"
	each "$ACCEPTED_IPS"
	GEO_ENTRIES=$geo
	;;
esac

# TRUSTED_PROXIES: only these peers may name the client in X-Forwarded-For.
# With none, the header is ignored and the TCP peer is the client.
item() {
	only "$1" '0-9a-fA-F.:/' "TRUSTED_PROXIES entry '$1'"
	realip="$realip    set_real_ip_from $1;$nl"
}
realip=
each "$TRUSTED_PROXIES"
if [ -n "$realip" ]; then
	REALIP_CONF="$realip    real_ip_header X-Forwarded-For;$nl    real_ip_recursive on;"
else
	REALIP_CONF="    # no trusted proxies: the client address is always the TCP peer"
fi

# STATUS_PORT: an unpublished listener with stub_status for the Prometheus
# nginx exporter (stack/monitoring.yml), open to private addresses only.
STATUS_SERVER="    # no status listener (STATUS_PORT unset)"
if [ -n "$STATUS_PORT" ]; then
	port "$STATUS_PORT" STATUS_PORT
	item() {
		only "$1" '0-9a-fA-F.:/' "STATUS_ALLOW entry '$1'"
		allow="$allow            allow $1;$nl"
	}
	allow=
	each "$STATUS_ALLOW"
	STATUS_SERVER="    # stub_status for the Prometheus exporter; this port is never published.
    server {
        listen ${LISTEN_HOST:+$LISTEN_HOST:}$STATUS_PORT;
        access_log off;
        location = /stub_status {
            stub_status;
$allow            deny all;
        }
        location / {
            return 404;
        }
    }"
fi

# GRAFANA_UPSTREAM (host:port): /grafana/ goes to Grafana, which serves
# itself from that sub-path. The name is resolved per request through
# Docker's DNS, so the gateway also starts when the monitoring stack is not
# deployed (/grafana/ then answers 503). Grafana sends no CSP of its own and
# needs its scripts, so only framing is restricted there.
GRAFANA_LOCATION="        # no /grafana/ route (GRAFANA_UPSTREAM unset)"
GRAFANA_CSP_ENTRY="        # no /grafana/ route (GRAFANA_UPSTREAM unset)"
if [ -n "$GRAFANA_UPSTREAM" ]; then
	only "$GRAFANA_UPSTREAM" 'A-Za-z0-9.:_-' GRAFANA_UPSTREAM
	only "$RESOLVER" ']0-9a-fA-F.:[' RESOLVER
	# shellcheck disable=SC2016 # $grafana_upstream is nginx's
	GRAFANA_LOCATION=$(printf '%s\n' \
		'        location ^~ /grafana/ {' \
		"            resolver $RESOLVER valid=10s ipv6=off;" \
		"            set \$grafana_upstream $GRAFANA_UPSTREAM;" \
		'            error_page 502 503 504 = @web_unavailable;' \
		'            proxy_pass http://$grafana_upstream;' \
		'        }')
	GRAFANA_CSP_ENTRY=$(printf '        ~^/grafana/ "%s";' "frame-ancestors 'none'")
fi

export SERVER_NAME HTTP_LISTEN HTTPS_LISTEN PUBLIC_PORT_SUFFIX WEB_SERVERS API_SERVERS \
	GEO_ENTRIES REALIP_CONF TLS_CERT TLS_KEY ACME_ROOT RUN_DIR ACCESS_LOG ERROR_LOG \
	MIME_TYPES NGINX_USER_LINE WORKER_PROCESSES AUTH_RATE AUTH_BURST HSTS_MAX_AGE CSP \
	STATUS_SERVER GRAFANA_LOCATION GRAFANA_CSP_ENTRY CANONICAL_HOST CLIENT_HEADER_TIMEOUT \
	CLIENT_BODY_TIMEOUT SEND_TIMEOUT WORKER_SHUTDOWN_TIMEOUT CONN_LIMIT_PER_CLIENT

# Only our variables are substituted; nginx's own $variables stay as they are.
# shellcheck disable=SC2016 # the list names variables for envsubst, unexpanded
vars='${SERVER_NAME} ${HTTP_LISTEN} ${HTTPS_LISTEN} ${PUBLIC_PORT_SUFFIX} ${WEB_SERVERS}
${API_SERVERS} ${GEO_ENTRIES} ${REALIP_CONF} ${TLS_CERT} ${TLS_KEY} ${ACME_ROOT}
${RUN_DIR} ${ACCESS_LOG} ${ERROR_LOG} ${MIME_TYPES} ${NGINX_USER_LINE}
${WORKER_PROCESSES} ${AUTH_RATE} ${AUTH_BURST} ${HSTS_MAX_AGE} ${CSP}
${STATUS_SERVER} ${GRAFANA_LOCATION} ${GRAFANA_CSP_ENTRY} ${CANONICAL_HOST}
${CLIENT_HEADER_TIMEOUT} ${CLIENT_BODY_TIMEOUT} ${SEND_TIMEOUT} ${WORKER_SHUTDOWN_TIMEOUT}
${CONN_LIMIT_PER_CLIENT}'

mkdir -p "$RUN_DIR"
tmp=$output.tmp.$$
envsubst "$vars" <"$template" >"$tmp"
mv "$tmp" "$output"
