#!/usr/bin/env bash
# Tests MiniTwit's monitoring (issue 4), all on 127.0.0.1:
#   static  promtool check config / check rules / test rules, every alert tested
#           firing and quiet, Alertmanager config and routing (amtool), blackbox
#           config, docker stack config, dashboards JSON and datasources, Loki
#           and Alloy settings the rules and docs rely on
#   live    MiniTwit (all-in-one and split web/api/follower on PostgreSQL)
#           behind a real NGINX with TLS, the real node, postgres, nginx and
#           blackbox exporters, a real Prometheus with the production rules and
#           relabelling (static targets instead of Swarm DNS) and a real
#           Alertmanager delivering to a local webhook; traffic; then every
#           PromQL expression of the rules and dashboards through the HTTP API
#   logs    sign-up, sign-in and API calls; the captured logs must not hold the
#           password, session cookie, Authorization value, DB password or
#           session key, and one request id must be findable across services
#
#   scripts/test-monitoring.sh            everything
#   MONITORING_STATIC_ONLY=1 scripts/test-monitoring.sh   static checks only
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/common.sh
source scripts/lib/common.sh

MON=stack/monitoring
failures=0 passes=0
pass() {
  printf 'PASS %s\n' "$*"
  passes=$((passes + 1))
}
fail() {
  printf 'FAIL %s\n' "$*"
  failures=$((failures + 1))
}
check() { # check NAME CMD...: runs CMD quietly, PASS/FAIL by exit status
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then pass "$name"; else
    fail "$name"
    printf '%s\n' "$out" | tail -n 40 | sed 's/^/    /'
  fi
}

work=$(mktemp -d /tmp/minitwit-monitoring.XXXXXX)
pids=()
cleanup() {
  local rc=$? p f
  if ((rc != 0)) && [[ -d $work/logs ]]; then
    for f in "$work"/logs/*.log; do
      printf -- '--- last lines of %s\n' "${f##*/}" >&2
      tail -n 15 "$f" >&2
    done
  fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pg_stop MONPG
  rm -rf "$work"
}
trap cleanup EXIT

log "installing missing tools"
ensure_packages promtool:prometheus prometheus:prometheus amtool:prometheus-alertmanager \
  prometheus-alertmanager:prometheus-alertmanager prometheus-node-exporter:prometheus-node-exporter \
  prometheus-postgres-exporter:prometheus-postgres-exporter \
  prometheus-nginx-exporter:prometheus-nginx-exporter \
  prometheus-blackbox-exporter:prometheus-blackbox-exporter \
  nginx:nginx-light openssl:openssl jq:jq curl:curl shellcheck:shellcheck python3:python3
python3 -c 'import yaml' 2>/dev/null || ensure_packages /usr/lib/python3/dist-packages/yaml/__init__.py:python3-yaml
command -v docker >/dev/null || ensure_packages docker:docker.io
command -v go >/dev/null || die "Go is required"

log "building promqlcheck"
(cd "$MON/promqlcheck" && go build -o "$work/promqlcheck" .)

# ---------------------------------------------------------------- static
log "static checks"
check "shellcheck monitoring scripts" shellcheck -x scripts/test-monitoring.sh "$MON/alertmanager/start.sh"
check "promqlcheck gofmt, go vet, go test" bash -c "cd $MON/promqlcheck && test -z \"\$(gofmt -l .)\" && go vet ./... && go test -count=1 ./..."
check "promtool check config" promtool check config "$MON/prometheus/prometheus.yml"
check "promtool check rules" promtool check rules "$MON"/prometheus/rules/*.rules.yml
check "promtool test rules" promtool test rules "$MON"/prometheus/tests/*.test.yml
check "every alert has a firing and a quiet unit test" "$work/promqlcheck" coverage \
  -rules "$MON/prometheus/rules/*.rules.yml" -tests "$MON/prometheus/tests/*.test.yml"

# Alertmanager: render the config exactly as the container does (start.sh),
# with a URL holding the characters sed and YAML care about.
am_url="http://127.0.0.1:1/hook?a=1&b=x|y"
printf '%s\n' "$am_url" >"$work/webhook-url"
render_am() { # render_am URLFILE OUT: runs start.sh with "true" in place of Alertmanager
  ALERTMANAGER_TEMPLATE="$MON/alertmanager/alertmanager.yml" WEBHOOK_URL_FILE=$1 \
    ALERTMANAGER_CONFIG=$2 ALERTMANAGER_BIN=true sh "$MON/alertmanager/start.sh"
}
export -f render_am
export MON
check "alertmanager start.sh renders the webhook URL" bash -c "
  render_am '$work/webhook-url' '$work/am-check.yml' && grep -qF \"url: '$am_url'\" '$work/am-check.yml'"
check "amtool check-config" amtool check-config "$work/am-check.yml"
check "critical alerts route to the webhook receiver" bash -c \
  "amtool config routes test --config.file='$work/am-check.yml' --verify.receivers=webhook severity=critical alertname=X 2>/dev/null"
printf 'not a url\n' >"$work/bad-url"
check "start.sh refuses a non-URL secret" bash -c "! render_am '$work/bad-url' '$work/am-bad.yml'"
check "start.sh refuses a missing secret" bash -c "! render_am '$work/none' '$work/am-bad.yml'"
check "blackbox exporter config" prometheus-blackbox-exporter --config.check --config.file="$MON/blackbox/blackbox.yml"

# docker stack config resolves the file but does not open the configs it
# names; check those paths and the properties the issue asks for.
check "docker stack config -c stack/monitoring.yml (alone)" docker stack config -c stack/monitoring.yml
stack_files=(-c stack/monitoring.yml)
[[ -f stack/minitwit.yml ]] && stack_files=(-c stack/minitwit.yml -c stack/monitoring.yml)
# TAG and DOMAIN are what stack/minitwit.yml requires; any value will do.
if TAG=monitoring-test DOMAIN=minitwit.test docker stack config "${stack_files[@]}" >"$work/stack.yml" 2>"$work/stack.err"; then
  pass "docker stack config ${stack_files[*]}"
  check "stack: config files exist, logs rotated, node-exporter and alloy global, limits set" python3 - "$work/stack.yml" <<'PY'
import os, sys, yaml
s = yaml.safe_load(open(sys.argv[1]))
bad = []
for name, c in s.get("configs", {}).items():
    if "file" in c and not os.path.isfile(c["file"]):
        bad.append(f"config {name}: missing file {c['file']}")
mine = ["prometheus", "alertmanager", "grafana", "loki", "alloy", "node-exporter",
        "postgres-exporter", "nginx-exporter", "blackbox-exporter"]
for name in mine:
    svc = s["services"].get(name)
    if svc is None:
        bad.append(f"service {name} missing"); continue
    opts = (svc.get("logging") or {}).get("options") or {}
    if not opts.get("max-size") or not opts.get("max-file"):
        bad.append(f"service {name}: no log rotation")
    if not ((svc.get("deploy") or {}).get("resources") or {}).get("limits", {}).get("memory"):
        bad.append(f"service {name}: no memory limit")
for name in ("node-exporter", "alloy"):
    if s["services"][name]["deploy"].get("mode") != "global":
        bad.append(f"service {name} is not global")
prom = " ".join(s["services"]["prometheus"]["command"])
for flag in ("--storage.tsdb.retention.time=", "--storage.tsdb.retention.size="):
    if flag not in prom:
        bad.append(f"prometheus lacks {flag}")
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
  if [[ -f stack/minitwit.yml ]]; then
    TAG=monitoring-test DOMAIN=minitwit.test docker stack config -c stack/minitwit.yml >"$work/stack-app.yml"
    check "merging monitoring.yml leaves minitwit.yml's networks unchanged" python3 - "$work/stack-app.yml" "$work/stack.yml" <<'PY'
import sys, yaml
app, merged = (yaml.safe_load(open(f))["networks"] for f in sys.argv[1:3])
bad = [f"{n}: {app[n]} became {merged.get(n)}" for n in app if merged.get(n) != app[n]]
print("\n".join(bad)); sys.exit(1 if bad else 0)
PY
  fi
else
  fail "docker stack config ${stack_files[*]}"
  sed 's/^/    /' "$work/stack.err"
fi

check "Loki: 14-day retention, bounded caches and labels" python3 - "$MON/loki/loki.yml" <<'PY'
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
l, bad = c["limits_config"], []
if l.get("retention_period") != "336h": bad.append("retention_period is not 336h")
if not c["compactor"].get("retention_enabled"): bad.append("compactor retention disabled")
if l.get("max_label_names_per_series", 99) > 5: bad.append("too many labels allowed")
for path in (("query_range", "results_cache", "cache", "embedded_cache"), ("chunk_store_config", "chunk_cache_config", "embedded_cache")):
    node = c
    for k in path: node = node[k]
    if node.get("max_size_mb", 10**6) > 128: bad.append("/".join(path) + " unbounded")
print("\n".join(bad)); sys.exit(1 if bad else 0)
PY
# Alloy has no Debian package: its config is not run here. Check at least the
# contract with the rules: the counter ErrorLogBurst reads and the two labels.
check "Alloy: error-line counter and service/level labels the rules use" bash -c "
  grep -q 'name *= \"log_lines_total\"' $MON/alloy/config.alloy &&
  grep -q 'loki_process_custom_log_lines_total' $MON/prometheus/rules/logs.rules.yml &&
  grep -q 'target_label *= \"service\"' $MON/alloy/config.alloy &&
  grep -q 'values *= { level = \"\" }' $MON/alloy/config.alloy"

check "dashboards: valid JSON, unique uids and panel ids, known datasources" python3 - "$MON" <<'PY'
import glob, json, sys, yaml
mon = sys.argv[1]
ds = {d["uid"]: d["type"] for d in yaml.safe_load(open(f"{mon}/grafana/provisioning/datasources/datasources.yml"))["datasources"]}
bad, uids, titles = [], set(), set()
files = sorted(glob.glob(f"{mon}/grafana/dashboards/*.json"))
if len(files) < 5: bad.append(f"expected 5 dashboards, found {len(files)}")
def walk(panels):
    for p in panels:
        yield p
        yield from walk(p.get("panels", []))
for f in files:
    try:
        d = json.load(open(f))
    except ValueError as e:
        bad.append(f"{f}: {e}"); continue
    if d.get("uid") in uids: bad.append(f"{f}: duplicate uid {d.get('uid')}")
    uids.add(d.get("uid"))
    ids = set()
    for p in walk(d["panels"]):
        if p["id"] in ids: bad.append(f"{f}: duplicate panel id {p['id']}")
        ids.add(p["id"])
        for t in p.get("targets", []):
            src = (t.get("datasource") or p.get("datasource") or {})
            if ds.get(src.get("uid")) != src.get("type"):
                bad.append(f"{f}: panel {p['title']!r} uses unknown datasource {src}")
            if not t.get("expr", "").strip():
                bad.append(f"{f}: panel {p['title']!r} has an empty query")
    for v in d.get("templating", {}).get("list", []):
        src = v.get("datasource")
        if src and ds.get(src.get("uid")) != src.get("type"):
            bad.append(f"{f}: variable {v['name']} uses unknown datasource {src}")
print("\n".join(bad)); sys.exit(1 if bad else 0)
PY

if [[ ${MONITORING_STATIC_ONLY:-0} == 1 ]]; then
  log "MONITORING_STATIC_ONLY=1: live checks not run"
  printf 'monitoring: %d passed, %d failed\n' "$passes" "$failures"
  ((failures == 0)) || die "$failures monitoring check(s) failed"
  exit 0
fi

# ---------------------------------------------------------------- live
log "building MiniTwit binaries"
(cd services && go build -o "$work/bin/" minitwit/minitwit/cmd/minitwit minitwit/web/cmd/web \
  minitwit/api/cmd/api minitwit/follower/cmd/follower)

log "starting PostgreSQL, MiniTwit, NGINX, exporters, Alertmanager and Prometheus"
pg_start MONPG
mkdir -p "$work/logs"
# free_port only knows what listens now: remember what was handed out so two
# servers started later never get the same port, and stay below Linux's
# ephemeral range (32768+), where the many client connections of this and
# other tests take local ports that a server then cannot bind.
taken=" "
ports() { # ports VAR...: sets each VAR to a distinct free port
  local var p
  for var in "$@"; do
    while p=$(free_port) && { ((p >= 32768)) || [[ $taken == *" $p "* ]]; }; do :; done
    taken+="$p "
    printf -v "$var" '%s' "$p"
  done
}
start() { # start NAME CMD...: runs CMD in the background, output to logs/NAME.log
  local name=$1
  shift
  "$@" >"$work/logs/$name.log" 2>&1 &
  pids+=($!)
}

# Every port used below, handed out at once.
p_aio='' m_aio='' p_fol='' m_fol='' p_api='' m_api='' p_web='' m_web='' p_tls='' p_stub='' p_node='' p_pgx='' p_ngx='' p_bb='' p_hook='' p_am='' p_prom=''
ports p_aio m_aio p_fol m_fol p_api m_api p_web m_web p_tls p_stub p_node p_pgx p_ngx p_bb p_hook p_am p_prom

# Secrets the logs must never show.
db_password="dbpw-$RANDOM$RANDOM-secret"
session_key="sk-$RANDOM$RANDOM$RANDOM-0123456789abcdef0123456789"
# Scanned by their plain alphanumeric core too, which no JSON or URL escaping
# of the full value would hide.
pw_core="pwcore$RANDOM$RANDOM"
user_password="Pw'\"\\[$pw_core]-é"
auth_value="Basic c2ltdWxhdG9yOnN1cGVyX3NhZmUh"
export DATABASE_URL=$MONPG_URL DATABASE_PASSWORD=$db_password SESSION_KEY=$session_key \
  BCRYPT_COST=4 LOG_LEVEL=info VERSION=monitoring-test

start minitwit env PORT="$p_aio" METRICS_ADDR="127.0.0.1:$m_aio" "$work/bin/minitwit"
wait_http "http://127.0.0.1:$p_aio/readyz" 60
start follower env ADDR="127.0.0.1:$p_fol" METRICS_ADDR="127.0.0.1:$m_fol" "$work/bin/follower"
pid_follower=${pids[-1]}
wait_http "http://127.0.0.1:$p_fol/readyz" 30
start api env ADDR="127.0.0.1:$p_api" METRICS_ADDR="127.0.0.1:$m_api" FOLLOWER_URL="http://127.0.0.1:$p_fol" "$work/bin/api"
start web env ADDR="127.0.0.1:$p_web" METRICS_ADDR="127.0.0.1:$m_web" FOLLOWER_URL="http://127.0.0.1:$p_fol" "$work/bin/web"
wait_http "http://127.0.0.1:$p_api/readyz" 30
wait_http "http://127.0.0.1:$p_web/readyz" 30

# A small gateway: TLS in front of web and api, stub_status on its own port.
mkdir -p "$work/nginx"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=gateway \
  -keyout "$work/nginx/key.pem" -out "$work/nginx/cert.pem" >/dev/null 2>&1
nginx_user=""
[[ $(id -u) -eq 0 ]] && nginx_user="user root;"
cat >"$work/nginx/nginx.conf" <<EOF
$nginx_user
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/logs/nginx-error.log;
events { worker_connections 256; }
http {
  access_log $work/logs/nginx-access.log;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  # Keep a client's request id, make one otherwise (what the gateway should do).
  map \$http_x_request_id \$req_id { default \$http_x_request_id; "" \$request_id; }
  server {
    listen 127.0.0.1:$p_tls ssl;
    ssl_certificate $work/nginx/cert.pem;
    ssl_certificate_key $work/nginx/key.pem;
    location /api/ { proxy_pass http://127.0.0.1:$p_api/; proxy_set_header X-Request-ID \$req_id; }
    location / { proxy_pass http://127.0.0.1:$p_web; proxy_set_header X-Request-ID \$req_id; }
  }
  server {
    listen 127.0.0.1:$p_stub;
    location = /stub_status { stub_status; }
  }
}
EOF
start nginx nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;'
wait_http "https://127.0.0.1:$p_tls/api/latest" 20

start node-exporter prometheus-node-exporter --web.listen-address="127.0.0.1:$p_node"
start postgres-exporter env DATA_SOURCE_NAME="$MONPG_URL" \
  prometheus-postgres-exporter --web.listen-address="127.0.0.1:$p_pgx"
start nginx-exporter prometheus-nginx-exporter -nginx.scrape-uri="http://127.0.0.1:$p_stub/stub_status" \
  -web.listen-address="127.0.0.1:$p_ngx"
start blackbox-exporter prometheus-blackbox-exporter --config.file="$MON/blackbox/blackbox.yml" \
  --web.listen-address="127.0.0.1:$p_bb"

# Alertmanager with the production config, rendered by start.sh, delivering
# to a local webhook that stores what it receives.
start webhook python3 -c '
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open(sys.argv[2], "ab") as f: f.write(body + b"\n")
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
' "$p_hook" "$work/webhook.jsonl"
printf 'http://127.0.0.1:%s/alerts\n' "$p_hook" >"$work/webhook-url-live"
mkdir -p "$work/am"
start alertmanager env ALERTMANAGER_TEMPLATE="$MON/alertmanager/alertmanager.yml" \
  WEBHOOK_URL_FILE="$work/webhook-url-live" ALERTMANAGER_CONFIG="$work/am/alertmanager.yml" \
  ALERTMANAGER_BIN=prometheus-alertmanager sh "$MON/alertmanager/start.sh" \
  --storage.path="$work/am" --web.listen-address="127.0.0.1:$p_am" --cluster.listen-address=
wait_http "http://127.0.0.1:$p_am/-/ready" 20

# Prometheus with the production config: same jobs, relabelling and rule
# files; Swarm DNS discovery replaced by the loopback addresses above.
python3 - "$MON/prometheus/prometheus.yml" "$work/prometheus.yml" "$PWD/$MON/prometheus/rules" <<PY
import sys, yaml
src, dst, rules = sys.argv[1:4]
c = yaml.safe_load(open(src))
targets = {
    "web": ["127.0.0.1:$m_web"], "api": ["127.0.0.1:$m_api"],
    "follower": ["127.0.0.1:$m_fol"],
    "gateway": ["127.0.0.1:$p_ngx"], "postgres": ["127.0.0.1:$p_pgx"],
    "node": ["127.0.0.1:$p_node"], "alertmanager": ["127.0.0.1:$p_am"],
    "minitwit": ["127.0.0.1:$m_aio"],
    "prometheus": ["127.0.0.1:$p_prom"],
}
not_run = {"alloy", "loki"}  # no Debian packages: see docs/monitoring.md
c["global"]["scrape_interval"] = "2s"
c["global"]["evaluation_interval"] = "2s"
c["global"]["scrape_timeout"] = "2s"
c["rule_files"] = [rules + "/*.rules.yml"]
c["alerting"]["alertmanagers"] = [{"static_configs": [{"targets": ["127.0.0.1:$p_am"]}]}]
jobs = []
for j in c["scrape_configs"]:
    name = j["job_name"]
    if name in not_run:
        print(f"job {name}: not run here", file=sys.stderr); continue
    if name == "blackbox":
        j["static_configs"] = [{"targets": ["https://127.0.0.1:$p_tls/public"]}]
        j["relabel_configs"][-1]["replacement"] = "127.0.0.1:$p_bb"
    else:
        j.pop("dns_sd_configs", None)
        j["static_configs"] = [{"targets": targets[name]}]
    jobs.append(j)
# The all-in-one binary is not deployed; it is scraped here as one more job.
jobs.append({"job_name": "minitwit", "static_configs": [{"targets": targets["minitwit"]}]})
c["scrape_configs"] = jobs
yaml.safe_dump(c, open(dst, "w"), sort_keys=False)
PY
start prometheus prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$p_prom" --storage.tsdb.retention.time=1h
wait_http "http://127.0.0.1:$p_prom/-/ready" 30

wait_query() { # wait_query EXPR SECS: until EXPR gives a result, or fail the run
  local i
  for i in $(seq 1 "$2"); do
    curl -s "http://127.0.0.1:$p_prom/api/v1/query" --data-urlencode "query=$1" |
      jq -e '.data.result | length > 0' >/dev/null && return 0
    sleep 1
  done
  die "Prometheus never answered $1 (after $i s)"
}

# ---------------------------------------------------------------- traffic
log "generating traffic"
gw="https://127.0.0.1:$p_tls"
aio="http://127.0.0.1:$p_aio"
api_call() { # api_call BASE METHOD PATH [JSON]: prints the status code
  local base=$1 method=$2 path=$3 body=${4:-}
  local args=(-sk -o /dev/null -w '%{http_code}' -X "$method" -H "Authorization: $auth_value")
  [[ -n $body ]] && args+=(-H 'Content-Type: application/json' --data "$body")
  curl "${args[@]}" "$base$path"
}
# api_round N: simulator-like actions, through the gateway and on the
# all-in-one. Run twice with a scrape in between, so counters born in round 1
# visibly increase and rate() has something to show.
api_round() {
  local n=$1 base u i
  for base in "$gw/api" "$aio/api"; do
    for u in alice bob carol; do
      api_call "$base" POST "/register?latest=$((n * 100 + 1))" \
        "$(jq -cn --arg u "$u$n" --arg p "$user_password" '{username: $u, email: ($u + "@example.com"), pwd: $p}')" >/dev/null
    done
    api_call "$base" POST "/register?latest=$((n * 100 + 2))" "{\"username\":\"alice$n\",\"email\":\"a@example.com\",\"pwd\":\"x\"}" >/dev/null
    for i in 1 2 3 4 5; do
      api_call "$base" POST "/msgs/alice$n?latest=$((n * 100 + 10 + i))" "{\"content\":\"hello $i\"}" >/dev/null
    done
    api_call "$base" POST "/fllws/alice$n?latest=$((n * 100 + 20))" "{\"follow\":\"bob$n\"}" >/dev/null
    api_call "$base" POST "/fllws/alice$n?latest=$((n * 100 + 21))" "{\"unfollow\":\"bob$n\"}" >/dev/null
    api_call "$base" POST "/fllws/alice$n?latest=$((n * 100 + 22))" "{\"follow\":\"carol$n\"}" >/dev/null
    api_call "$base" GET "/msgs?no=10&latest=$((n * 100 + 23))" >/dev/null
    api_call "$base" GET "/msgs/alice$n?no=5" >/dev/null
    api_call "$base" GET "/fllws/alice$n" >/dev/null
    api_call "$base" GET "/msgs/nobody" >/dev/null # 404
    curl -sk -o /dev/null "$base/latest"
    for i in 1 2 3; do curl -sk -o /dev/null "$base/msgs"; done # no Authorization: 403
  done
}
# Targets reach the scrape loops a few seconds after Prometheus is ready.
wait_query 'up{job="api"} == 1 and on () up{job="minitwit"} == 1' 30
api_round 1
wait_query 'minitwit_http_requests_total{service="api", route="/msgs", status="403"} == 3' 30
api_round 2
status=$(api_call "$gw/api" GET "/latest")
if [[ $status == 200 ]]; then pass "API through the TLS gateway answers 200"; else fail "API through the gateway answered $status"; fi

# Web sign-up and sign-in with the same password, on the all-in-one and on
# the split web service behind the gateway; a follow with a known request id.
web_session() { # web_session BASE USER JAR: registers, signs in, posts, follows bob
  local base=$1 user=$2 jar=$3
  curl -sk -o /dev/null -c "$jar" -b "$jar" "$base/public"
  curl -sk -o /dev/null -c "$jar" -b "$jar" --data-urlencode "username=$user" \
    --data-urlencode "email=$user@example.com" --data-urlencode "password=$user_password" \
    --data-urlencode "password2=$user_password" "$base/register"
  curl -sk -o /dev/null -c "$jar" -b "$jar" --data-urlencode "username=$user" \
    --data-urlencode "password=wrong-password" "$base/login"
  curl -sk -o /dev/null -c "$jar" -b "$jar" --data-urlencode "username=$user" \
    --data-urlencode "password=$user_password" "$base/login"
  curl -sk -o /dev/null -c "$jar" -b "$jar" --data-urlencode "text=hello from $user" "$base/add_message"
  curl -sk -o /dev/null -c "$jar" -b "$jar" -H "X-Request-ID: $4" "$base/bob/follow"
  curl -sk -o /dev/null -c "$jar" -b "$jar" "$base/"
  curl -sk -o /dev/null -c "$jar" -b "$jar" "$base/bob/unfollow"
}
rid_aio="monitoring-test-aio-$RANDOM$RANDOM"
rid_split="monitoring-test-split-$RANDOM$RANDOM"
web_session "$aio" dave "$work/jar-aio" "$rid_aio"
web_session "$gw" erin "$work/jar-gw" "$rid_split"
cookie_values=$(awk '!/^#/ && NF >= 7 {print $7} /^#HttpOnly_/ {print $7}' "$work/jar-aio" "$work/jar-gw" | sort -u)
if [[ -n $cookie_values ]]; then pass "web sign-in set a session cookie"; else fail "web sign-in set no cookie"; fi

log "waiting for the scrapes after the traffic"
wait_query 'minitwit_http_requests_total{service="api", route="/msgs", status="403"} == 6 and on ()
  count(minitwit_signins_total{job="web"}) and on () count(probe_success) and on () count(pg_up) and on () count(nginx_up)' 30

# ---------------------------------------------------------------- live checks
log "live checks"
check "every scrape target is up" bash -c "
  curl -s 'http://127.0.0.1:$p_prom/api/v1/targets' |
  jq -e '[.data.activeTargets[] | select(.health != \"up\") | \"\(.labels.job) \(.scrapeUrl) \(.lastError)\"] as \$down
         | (\$down | length == 0) or (\$down | join(\"\n\") | halt_error)' >/dev/null"
check "blackbox probe through the TLS gateway succeeds and reads the certificate" bash -c "
  curl -s 'http://127.0.0.1:$p_prom/api/v1/query' --data-urlencode \
    'query=probe_success{job=\"blackbox\"} == 1 and probe_ssl_earliest_cert_expiry - time() > 29 * 86400' |
  jq -e '.data.result | length == 1' >/dev/null"
check "Prometheus discovered the Alertmanager" bash -c "
  curl -s 'http://127.0.0.1:$p_prom/api/v1/query' --data-urlencode \
    'query=prometheus_notifications_alertmanagers_discovered == 1' | jq -e '.data.result | length == 1' >/dev/null"
check "Prometheus loaded every production rule file" bash -c "
  curl -s 'http://127.0.0.1:$p_prom/api/v1/rules' | jq -e '[.data.groups[].rules[]] | length >= 16' >/dev/null"

log "evaluating every PromQL expression of rules and dashboards"
if "$work/promqlcheck" query -prometheus "http://127.0.0.1:$p_prom" \
  -rules "$MON/prometheus/rules/*.rules.yml" -dashboards "$MON/grafana/dashboards/*.json" \
  -exclude 'loki_process_custom_log_lines_total=counted by Grafana Alloy, which has no Debian package and is not run here' \
  >"$work/promqlcheck.out" 2>&1; then
  pass "every PromQL expression evaluates; every metric it names is exposed (exclusions listed)"
  grep -E '^(EXCLUDED|NOT EVALUATED)|checked' "$work/promqlcheck.out" | sort -u | sed 's/^/    /'
  # Empty answers are fine (no 5xx, no alert condition), but worth seeing.
  printf '    %s expressions returned data now; empty ones:\n' "$(grep -cE '^ok .*: [1-9][0-9]* series' "$work/promqlcheck.out")"
  grep -E '^ok .*: 0 series' "$work/promqlcheck.out" | sed 's/^ok /      /'
else
  fail "PromQL expressions of rules and dashboards"
  grep -vE '^ok ' "$work/promqlcheck.out" | sed 's/^/    /'
fi

# The alert conditions on real series (real label values): evaluated without
# their "for", which the promtool tests cover.
alert_expr() {
  python3 -c '
import glob, sys, yaml
for f in glob.glob(sys.argv[1] + "/*.rules.yml"):
    for g in yaml.safe_load(open(f))["groups"]:
        for r in g["rules"]:
            if r.get("alert") == sys.argv[2]:
                print(r["expr"])' "$MON/prometheus/rules" "$1"
}
alert_now() { # alert_now NAME: how many series the alert's condition yields now
  curl -s "http://127.0.0.1:$p_prom/api/v1/query" --data-urlencode "query=$(alert_expr "$1")" |
    jq -er '.data.result | length'
}
expect_alert() { # expect_alert NAME N: the condition yields N series now
  local got
  got=$(alert_now "$1") || got="query error"
  if [[ $got == "$2" ]]; then pass "live: $1 condition yields $2 series"; else
    fail "live: $1 condition yields $got series, want $2"
  fi
}
for a in MiniTwitServiceDown MiniTwitTargetDown MiniTwitHigh5xxRatio PostgresDown \
  PostgresConnectionsNearLimit GatewayDown GatewayProbeFailing GatewayCertificateExpiring; do
  expect_alert "$a" 0
done
# Three 403s and a 404 in every round of 15 simulator calls.
expect_alert SimulatorAPIErrors 1
# No Alloy and no Loki run here: exactly what LogShippingDown is for.
expect_alert LogShippingDown 2
# A replica stops: its target goes down and, being the only one, the service.
kill "$pid_follower"
sleep 5
expect_alert MiniTwitTargetDown 1
expect_alert MiniTwitServiceDown 1

# End to end delivery: an alert posted to Alertmanager reaches the webhook
# after group_wait (30 s in alertmanager.yml).
log "alert delivery through Alertmanager to the webhook (group_wait 30 s)"
amtool alert add MonitoringTestDelivery severity=critical job=test \
  --annotation=summary="delivery test" --alertmanager.url="http://127.0.0.1:$p_am" >/dev/null
delivered=0
for _ in $(seq 1 60); do
  if [[ -s $work/webhook.jsonl ]] && grep -q MonitoringTestDelivery "$work/webhook.jsonl"; then
    delivered=1
    break
  fi
  sleep 1
done
if ((delivered)); then pass "Alertmanager delivered a critical alert to the webhook"; else
  fail "Alertmanager did not deliver to the webhook within 60 s"
fi

# ---------------------------------------------------------------- logs
log "scanning the captured logs for secrets"
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
pids=()
svc_logs=("$work/logs/minitwit.log" "$work/logs/web.log" "$work/logs/api.log" "$work/logs/follower.log")
secrets=("user password:$user_password" "user password core:$pw_core" "DB password:$db_password" "session key:$session_key"
  "Authorization value:${auth_value#Basic }" "simulator password:super_safe!")
while read -r c; do [[ -n $c ]] && secrets+=("session cookie:$c"); done <<<"$cookie_values"
leaks=0
for s in "${secrets[@]}"; do
  if grep -qF -- "${s#*:}" "${svc_logs[@]}"; then
    fail "logs hold the ${s%%:*}"
    leaks=1
  fi
done
((leaks)) || pass "no password, session cookie, Authorization value, DB password or session key in the logs (${#secrets[@]} secrets)"
# The scan means something only if the logs recorded the requests.
check "access log lines for sign-up, sign-in and API calls were captured" bash -c "
  grep -q '\"route\":\"/login\"' $work/logs/minitwit.log && grep -q '\"route\":\"/register\"' $work/logs/web.log &&
  grep -q '\"route\":\"/msgs/:username\"' $work/logs/api.log && jq -e . $work/logs/api.log >/dev/null"
check "log lines carry time, level, service, request_id, method, route, status, duration" bash -c "
  grep '\"route\":\"/msgs/:username\"' $work/logs/api.log | head -n 1 |
  jq -e 'has(\"time\") and has(\"level\") and .service == \"api\" and (.request_id | length > 0)
         and has(\"method\") and has(\"status\") and has(\"duration_ms\")' >/dev/null"
check "request id $rid_split found in web and follower logs" bash -c "
  grep -q '\"request_id\":\"$rid_split\"' $work/logs/web.log &&
  grep -q '\"request_id\":\"$rid_split\"' $work/logs/follower.log"
check "request id $rid_aio found in the all-in-one log" grep -q "\"request_id\":\"$rid_aio\"" "$work/logs/minitwit.log"

printf '\nmonitoring: %d passed, %d failed\n' "$passes" "$failures"
((failures == 0)) || die "$failures monitoring check(s) failed"
log "monitoring checks passed"
