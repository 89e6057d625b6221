package e2e

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// GatewaySettings are the gateway's access settings that can change while
// it runs (render.sh's environment of the same names).
type GatewaySettings struct {
	AcceptedIPs    string // who may use /api/; "" means "*" (rendered with ALLOW_ANY_CLIENT=1)
	TrustedProxies string // peers whose X-Forwarded-For is believed
	AuthRate       string // "" means 5r/s
	AuthBurst      string // "" means 20
	// The hardening limits; "" leaves render.sh's production default.
	BodyTimeout     string // CLIENT_BODY_TIMEOUT
	SendTimeout     string // SEND_TIMEOUT
	ConnLimit       string // CONN_LIMIT_PER_CLIENT
	ShutdownTimeout string // WORKER_SHUTDOWN_TIMEOUT
}

// GatewayOpts say how to start a Gateway.
type GatewayOpts struct {
	Settings GatewaySettings
	// Replicas is the number of processes of each service (default 1).
	Replicas int
}

// Gateway is MiniTwit the way the Swarm stack runs it, on 127.0.0.1: a
// throwaway PostgreSQL, the migrate step, follower, api and web as
// separate processes, and real NGINX rendered by the product's
// gateway/render.sh with a self-signed certificate. Web and api reach the
// follower through a second, minimal NGINX standing in for Swarm's service
// virtual IP, so every service can be replaced start-first (Roll).
type Gateway struct {
	Dir         string // state: logs/, gw/ (rendered nginx.conf), vip/, tls/, acme/
	PG          *Postgres
	DatabaseURL string
	HTTPPort    int
	HTTPSPort   int
	StatusPort  int // stub_status, unpublished in the stack
	VIPPort     int // the follower's "virtual IP"
	Cert        *SelfSigned
	// Client trusts the gateway's certificate, follows no redirects and
	// leaves Content-Encoding as the gateway sent it.
	Client *http.Client

	settings GatewaySettings
	replicas int
	pools    map[string][]*Service
	gw, vip  *Proc
	owner    testing.TB
}

// gatewayServices are started in this order (web and api need the
// follower) and replaced in this order by a rolling restart.
var gatewayServices = []string{"follower", "api", "web"}

// gwCertValid is how long the gateway tests' self-signed certificates last.
const gwCertValid = 48 * time.Hour

// gwServerNames is the live gateway's SERVER_NAME: the first is the
// canonical name its redirects use.
const gwServerNames = "127.0.0.1 localhost"

// StartGateway starts the whole system and waits until the gateway answers
// over HTTPS. Everything stops when t (or, for an Outliving, its owner)
// ends.
func StartGateway(t testing.TB, opts GatewayOpts) *Gateway {
	t.Helper()
	NeedTool(t, "nginx", "nginx-light")
	NeedTool(t, "envsubst", "gettext-base")
	g := &Gateway{settings: opts.Settings, replicas: max(opts.Replicas, 1), pools: map[string][]*Service{}, owner: t}
	if o, ok := t.(Outliving); ok {
		g.owner = o.Owner
	}
	dir, err := os.MkdirTemp("", "minitwit-e2e-gateway.")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("gateway state and logs kept in %s", dir)
			return
		}
		os.RemoveAll(dir)
	})
	g.Dir = dir
	// NGINX workers run as www-data and must reach their directories.
	for _, d := range []string{"", "gw", "vip", "tls", "acme/.well-known/acme-challenge", "logs"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}

	g.PG = StartPostgres(t, PostgresOpts{})
	g.DatabaseURL = g.PG.URL("minitwit")
	Migrate(t, g.DatabaseURL)
	if err := os.WriteFile(g.path("session_key"), []byte("e2e-gateway-session-key-0123456789abcdef0123"), 0o600); err != nil {
		t.Fatal(err)
	}
	g.Cert = NewSelfSigned(t, g.path("tls", "cert.pem"), g.path("tls", "key.pem"), gwCertValid, "localhost", "localhost", "127.0.0.1")
	g.Client = &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig:    &tls.Config{RootCAs: g.Cert.Pool},
			DisableCompression: true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}

	for _, name := range gatewayServices {
		if name == "api" {
			// web and api are ready only once the follower answers them.
			g.VIPPort = FreePort(t)
			g.vip = gwStartNginx(t, "vip-nginx", g.path("vip"), g.path("vip", "nginx.conf"),
				func() { g.writeVIPConf(t) }, func() string { return g.VIPURL() + "/healthz" })
		}
		for range g.replicas {
			g.pools[name] = append(g.pools[name], g.startService(t, name))
		}
	}
	g.gw = gwStartNginx(t, "gateway-nginx", g.path("gw"), g.ConfPath(),
		func() {
			g.HTTPPort, g.HTTPSPort, g.StatusPort = FreePort(t), FreePort(t), FreePort(t)
			g.render(t, g.ConfPath())
		},
		func() string { return g.HTTPSURL() + "/healthz" })
	t.Logf("gateway: %s (plain HTTP %s), state in %s", g.HTTPSURL(), g.HTTPURL(), g.Dir)
	return g
}

func (g *Gateway) path(parts ...string) string {
	return filepath.Join(append([]string{g.Dir}, parts...)...)
}

// HTTPSURL is the gateway's public origin.
func (g *Gateway) HTTPSURL() string { return fmt.Sprintf("https://127.0.0.1:%d", g.HTTPSPort) }

// HTTPURL is the plain-HTTP listener (ACME challenge, redirects).
func (g *Gateway) HTTPURL() string { return fmt.Sprintf("http://127.0.0.1:%d", g.HTTPPort) }

// StatusURL is the stub_status page for the NGINX exporter.
func (g *Gateway) StatusURL() string {
	return fmt.Sprintf("http://127.0.0.1:%d/stub_status", g.StatusPort)
}

// VIPURL is the follower's stand-in virtual IP.
func (g *Gateway) VIPURL() string { return fmt.Sprintf("http://127.0.0.1:%d", g.VIPPort) }

// ConfPath is the rendered gateway configuration.
func (g *Gateway) ConfPath() string { return g.path("gw", "nginx.conf") }

// AccessLogPath is the gateway's JSON access log.
func (g *Gateway) AccessLogPath() string { return g.path("logs", "gateway-access.log") }

// Services are the running processes of one service.
func (g *Gateway) Services(name string) []*Service { return g.pools[name] }

// scope is t for processes that must live as long as the gateway: failures
// are t's, cleanups the gateway owner's.
func (g *Gateway) scope(t testing.TB) testing.TB {
	if t == g.owner {
		return t
	}
	if o, ok := t.(Outliving); ok {
		t = o.TB
	}
	return Outliving{TB: t, Owner: g.owner}
}

// startService starts one process of a service, wired as in the stack.
func (g *Gateway) startService(t testing.TB, name string) *Service {
	t.Helper()
	env := []string{"LOG_LEVEL=info"}
	switch name {
	case "web":
		env = append(env, "FOLLOWER_URL="+g.VIPURL(), "SESSION_KEY_FILE="+g.path("session_key"))
	case "api":
		env = append(env, "FOLLOWER_URL="+g.VIPURL())
	}
	return StartService(g.scope(t), name, ServiceOpts{DatabaseURL: g.DatabaseURL, Env: env, LogDir: g.path("logs")})
}

func gwUpstreams(pool []*Service) string {
	var out []string
	for _, s := range pool {
		out = append(out, fmt.Sprintf("127.0.0.1:%d", s.Port))
	}
	return strings.Join(out, ",")
}

// render writes the gateway configuration from the current pools and
// settings with the product's render.sh.
func (g *Gateway) render(t testing.TB, output string) {
	t.Helper()
	s := g.settings
	if s.AcceptedIPs == "" {
		s.AcceptedIPs = "*"
	}
	if s.AuthRate == "" {
		s.AuthRate = "5r/s"
	}
	if s.AuthBurst == "" {
		s.AuthBurst = "20"
	}
	env := []string{
		// The tests reach the gateway as 127.0.0.1 (the canonical name, so
		// redirects point there) and as localhost; any other Host is refused.
		"SERVER_NAME=" + gwServerNames, "LISTEN_HOST=127.0.0.1",
		"HTTP_PORT=" + strconv.Itoa(g.HTTPPort), "HTTPS_PORT=" + strconv.Itoa(g.HTTPSPort),
		"PUBLIC_HTTPS_PORT=" + strconv.Itoa(g.HTTPSPort), "STATUS_PORT=" + strconv.Itoa(g.StatusPort),
		"WEB_UPSTREAM=" + gwUpstreams(g.pools["web"]), "API_UPSTREAM=" + gwUpstreams(g.pools["api"]),
		"ACCEPTED_IPS=" + s.AcceptedIPs, "TRUSTED_PROXIES=" + s.TrustedProxies,
		"AUTH_RATE=" + s.AuthRate, "AUTH_BURST=" + s.AuthBurst,
		"TLS_CERT=" + g.Cert.CertFile, "TLS_KEY=" + g.Cert.KeyFile, "ACME_ROOT=" + g.path("acme"),
		"RUN_DIR=" + g.path("gw"), "ACCESS_LOG=" + g.AccessLogPath(), "ERROR_LOG=" + g.path("logs", "gateway-error.log"),
		"NGINX_USER=" + gwNginxUser(), "WORKER_PROCESSES=2", "GRAFANA_UPSTREAM=",
	}
	if s.AcceptedIPs == "*" {
		env = append(env, "ALLOW_ANY_CLIENT=1")
	}
	for _, kv := range [][2]string{
		{"CLIENT_BODY_TIMEOUT", s.BodyTimeout}, {"SEND_TIMEOUT", s.SendTimeout},
		{"CONN_LIMIT_PER_CLIENT", s.ConnLimit}, {"WORKER_SHUTDOWN_TIMEOUT", s.ShutdownTimeout},
	} {
		if kv[1] != "" {
			env = append(env, kv[0]+"="+kv[1])
		}
	}
	out, err := gwRender(output, env...)
	if err != nil {
		t.Fatalf("render.sh: %v\n%s", err, out)
	}
}

func (g *Gateway) writeVIPConf(t testing.TB) {
	t.Helper()
	var ups []string
	for _, s := range g.pools["follower"] {
		ups = append(ups, fmt.Sprintf("127.0.0.1:%d", s.Port))
	}
	if err := os.WriteFile(g.path("vip", "nginx.conf"), []byte(gwVIPConf(g.path("vip"), g.VIPPort, ups)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// applyGateway renders a new gateway configuration, checks it with
// nginx -t and reloads gracefully; a refused rendering leaves the running
// configuration in place and fails the test.
func (g *Gateway) applyGateway(t testing.TB) {
	t.Helper()
	next := g.path("gw", "nginx.conf.new")
	g.render(t, next)
	if out, err := gwNginxCheck(g.path("gw"), next); err != nil {
		t.Fatalf("nginx -t on the new gateway configuration: %v\n%s", err, out)
	}
	if err := os.Rename(next, g.ConfPath()); err != nil {
		t.Fatal(err)
	}
	gwReloadNginx(t, g.gw)
}

func (g *Gateway) applyVIP(t testing.TB) {
	t.Helper()
	g.writeVIPConf(t)
	if out, err := gwNginxCheck(g.path("vip"), g.path("vip", "nginx.conf")); err != nil {
		t.Fatalf("nginx -t on the follower balancer: %v\n%s", err, out)
	}
	gwReloadNginx(t, g.vip)
}

// Settings are the gateway's current access settings.
func (g *Gateway) Settings() GatewaySettings { return g.settings }

// Reconfigure re-renders the gateway with other access settings and
// reloads it gracefully; it returns once no worker of the old
// configuration is left.
func (g *Gateway) Reconfigure(t testing.TB, s GatewaySettings) {
	t.Helper()
	g.settings = s
	g.applyGateway(t)
}

// applyPool puts the current pool of a service into the load balancer that
// fronts it.
func (g *Gateway) applyPool(t testing.TB, name string) {
	t.Helper()
	if name == "follower" {
		g.applyVIP(t)
	} else {
		g.applyGateway(t)
	}
}

// RollStep is one replacement of a rolling restart.
type RollStep struct {
	Service      string
	Old, New     int   // ports
	OldExit      error // the old process's exit: nil when it stopped cleanly
	Started, End time.Time
}

// Roll replaces every process of a service the way a start-first Swarm
// update with parallelism 1 replaces tasks: start the new process, wait for
// /readyz, add it to the load balancer, take the old one out, SIGTERM it.
func (g *Gateway) Roll(t testing.TB, name string) []RollStep {
	t.Helper()
	var steps []RollStep
	for i := range g.pools[name] {
		old := g.pools[name][i]
		step := RollStep{Service: name, Old: old.Port, Started: time.Now()}
		fresh := g.startService(t, name)
		step.New = fresh.Port
		t.Logf("%s: new process %d on port %d is ready", name, fresh.Pid(), fresh.Port)
		g.pools[name] = append(g.pools[name], fresh)
		g.applyPool(t, name)
		t.Logf("%s: load balancer has %s", name, gwUpstreams(g.pools[name]))
		pool := append([]*Service{}, g.pools[name][:i]...)
		pool = append(pool, fresh)
		pool = append(pool, g.pools[name][i+1:len(g.pools[name])-1]...)
		g.pools[name] = pool
		g.applyPool(t, name)
		t.Logf("%s: load balancer has %s", name, gwUpstreams(g.pools[name]))
		step.OldExit = old.Stop(syscall.SIGTERM, 30*time.Second)
		step.End = time.Now()
		t.Logf("%s: old process %d on port %d exited (%v); replaced in %s",
			name, old.Pid(), old.Port, step.OldExit, step.End.Sub(step.Started).Round(time.Millisecond))
		steps = append(steps, step)
	}
	return steps
}

// Procs are all processes the gateway started (services, both NGINX
// masters, PostgreSQL).
func (g *Gateway) Procs() []*Proc {
	var ps []*Proc
	for _, name := range gatewayServices {
		for _, s := range g.pools[name] {
			ps = append(ps, s.Proc)
		}
	}
	return append(ps, g.gw, g.vip, g.PG.Proc())
}

// Stop ends everything the way an operator's Ctrl-C does: the gateway
// first, then the services and PostgreSQL; it returns each process's exit.
func (g *Gateway) Stop() map[string]error {
	out := map[string]error{}
	for _, p := range g.Procs() {
		sig := syscall.SIGTERM
		if p == g.gw || p == g.vip {
			sig = syscall.SIGQUIT // NGINX's graceful shutdown
		}
		if p == g.PG.Proc() {
			out[p.Name] = g.PG.Stop()
			continue
		}
		out[p.Name] = p.Stop(sig, 30*time.Second)
	}
	return out
}

// gatewayAccess is one line of the gateway's JSON access log; fields whose
// type is checked stay raw.
type gatewayAccess struct {
	RequestID    string          `json:"request_id"`
	Method       string          `json:"method"`
	URI          string          `json:"uri"`
	Client       string          `json:"client"`
	Status       json.RawMessage `json:"status"`
	RequestTime  json.RawMessage `json:"request_time"`
	UpstreamTime *string         `json:"upstream_time"`
	Upstream     string          `json:"upstream"`
	TLS          string          `json:"tls"`
}

// StatusCode is the logged status, or -1 when it is not a JSON number.
func (a gatewayAccess) StatusCode() int {
	var n int
	if err := json.Unmarshal(a.Status, &n); err != nil {
		return -1
	}
	return n
}

// AccessLog parses every line of the gateway's access log; a line that is
// not JSON fails the test.
func (g *Gateway) AccessLog(t testing.TB) []gatewayAccess {
	t.Helper()
	f, err := os.Open(g.AccessLogPath())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []gatewayAccess
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		var a gatewayAccess
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("access log line %d is not JSON: %v\n%s", n, err, sc.Text())
		}
		out = append(out, a)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
