#!/usr/bin/env bash
# gateway-template.sh OUT writes the local gateway template: the production
# gateway/templates/nginx.conf.template with the web and api upstream
# blocks replaced by names resolved per request through Docker's DNS (the
# stack's RESOLVER), so nginx follows task replacements under dnsrr. Without
# an upstream block nginx opens a new connection per request (no upstream
# keepalive) and still tries the next address on a refused connection.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${1:?usage: gateway-template.sh OUT}
awk '
  /^    upstream (web|api) \{$/ { skip = 1; next }
  skip && /^    \}$/ { skip = 0; next }
  skip { next }
  /^    proxy_http_version 1.1;$/ {
    print "    # swarm-local: per-request resolution of the dnsrr task addresses."
    print "    resolver 127.0.0.11 valid=1s ipv6=off;"
    print "    resolver_timeout 1s;"
  }
  { line = $0 }
  line ~ /proxy_pass http:\/\/web;/ {
    sub(/proxy_pass http:\/\/web;/, "set $local_web web:8081; proxy_pass http://$local_web;", line)
  }
  line ~ /proxy_pass http:\/\/api\$api_uri;/ {
    sub(/proxy_pass http:\/\/api\$api_uri;/, "set $local_api api:8082; proxy_pass http://$local_api$api_uri;", line)
  }
  { print line }
' "$ROOT/gateway/templates/nginx.conf.template" >"$out"
# shellcheck disable=SC2016 # nginx variables, not shell ones
if ! grep -q 'proxy_pass http://$local_web;' "$out" || ! grep -q 'proxy_pass http://$local_api$api_uri;' "$out"; then
  echo "gateway-template.sh: the production template changed shape; update the transform" >&2
  exit 1
fi
