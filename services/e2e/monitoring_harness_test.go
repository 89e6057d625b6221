package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// monStack is the live part: MiniTwit (all-in-one and split) on PostgreSQL,
// NGINX with TLS, the exporters, Alertmanager and Prometheus, after traffic.
type monStack struct {
	Dir     string
	AIO     *Service
	Split   *Split
	Gateway *monGateway
	Prom    monProm
	AMURL   string
	Hook    *monWebhook
	Secrets monSecrets
	Traffic monTraffic
	// Request ids sent with a web follow, on the all-in-one and through the gateway.
	RequestIDAIO, RequestIDSplit string
}

// monSecrets are values the logs must never show.
type monSecrets struct {
	DBPassword, SessionKey string
	// UserPassword has characters JSON and URLs escape; PasswordCore is its
	// plain alphanumeric core, which no escaping of the whole would hide.
	UserPassword, PasswordCore string
	Authorization              string // the simulator's header value
	SimulatorPassword          string
}

// monDeliveryAlert is posted to Alertmanager at start; Live/AlertDelivered
// waits for it at the webhook (after alertmanager.yml's 30 s group_wait).
const monDeliveryAlert = "MonitoringTestDelivery"

func monStart(t testing.TB) *monStack {
	t.Helper()
	for _, tool := range [][2]string{
		{"prometheus", "prometheus"}, {"amtool", "prometheus-alertmanager"},
		{"prometheus-alertmanager", "prometheus-alertmanager"},
		{"prometheus-node-exporter", "prometheus-node-exporter"},
		{"prometheus-postgres-exporter", "prometheus-postgres-exporter"},
		{"prometheus-nginx-exporter", "prometheus-nginx-exporter"},
		{"prometheus-blackbox-exporter", "prometheus-blackbox-exporter"},
	} {
		NeedTool(t, tool[0], tool[1])
	}
	dir := t.TempDir()
	s := &monStack{Dir: dir}
	logDir := filepath.Join(dir, "logs")
	for _, d := range []string{logDir, filepath.Join(dir, "nginx"), filepath.Join(dir, "am")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	core := fmt.Sprintf("pwcore%d", rand.Uint64())
	s.Secrets = monSecrets{
		DBPassword:        fmt.Sprintf("dbpw-%d-secret", rand.Uint64()),
		SessionKey:        fmt.Sprintf("sk-%d-0123456789abcdef0123456789", rand.Uint64()),
		UserPassword:      `Pw'"\[` + core + `]-é`,
		PasswordCore:      core,
		Authorization:     "Basic c2ltdWxhdG9yOnN1cGVyX3NhZmUh", // simulator:super_safe!
		SimulatorPassword: "super_safe!",
	}
	s.RequestIDAIO = fmt.Sprintf("monitoring-test-aio-%d", rand.Uint64())
	s.RequestIDSplit = fmt.Sprintf("monitoring-test-split-%d", rand.Uint64())

	// MiniTwit at log level info (access lines), with the secrets set.
	pg := StartPostgres(t, PostgresOpts{})
	dbURL := pg.URL("minitwit")
	env := []string{"DATABASE_PASSWORD=" + s.Secrets.DBPassword, "SESSION_KEY=" + s.Secrets.SessionKey,
		"LOG_LEVEL=info", "VERSION=monitoring-test"}
	Migrate(t, dbURL)
	opts := func(extra ...string) ServiceOpts {
		return ServiceOpts{DatabaseURL: dbURL, LogDir: logDir, Env: append(append([]string(nil), env...), extra...)}
	}
	s.AIO = StartService(t, "minitwit", opts())
	f := StartService(t, "follower", opts())
	s.Split = &Split{
		Follower: f,
		API:      StartService(t, "api", opts("FOLLOWER_URL="+f.URL)),
		Web:      StartService(t, "web", opts("FOLLOWER_URL="+f.URL)),
	}
	s.Gateway = monStartGateway(t, filepath.Join(dir, "nginx"), logDir, s.Split.API, s.Split.Web)

	// The exporters, on what the stack's exporters watch.
	pNode, pPG, pNginx, pBB := FreePort(t), FreePort(t), FreePort(t), FreePort(t)
	exporters := map[int]*Proc{
		pNode: StartProc(t, "node-exporter", ProcOpts{LogDir: logDir},
			"prometheus-node-exporter", "--web.listen-address="+monAddr(pNode)),
		pPG: StartProc(t, "postgres-exporter", ProcOpts{LogDir: logDir, Env: []string{"DATA_SOURCE_NAME=" + dbURL}},
			"prometheus-postgres-exporter", "--web.listen-address="+monAddr(pPG)),
		pNginx: StartProc(t, "nginx-exporter", ProcOpts{LogDir: logDir},
			"prometheus-nginx-exporter", "-nginx.scrape-uri="+s.Gateway.StubURL, "-web.listen-address="+monAddr(pNginx)),
		pBB: StartProc(t, "blackbox-exporter", ProcOpts{LogDir: logDir},
			"prometheus-blackbox-exporter", "--config.file="+monDir("blackbox", "blackbox.yml"),
			"--web.listen-address="+monAddr(pBB)),
	}
	for port, p := range exporters {
		WaitHTTP(t, "http://"+monAddr(port)+"/metrics", 60*time.Second, p)
	}

	// Alertmanager with the production configuration, rendered by start.sh,
	// delivering to a webhook on 127.0.0.1.
	s.Hook = monStartWebhook(t)
	urlFile := filepath.Join(dir, "webhook-url")
	if err := os.WriteFile(urlFile, []byte(s.Hook.URL+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	pAM := FreePort(t)
	s.AMURL = "http://" + monAddr(pAM)
	am := StartProc(t, "alertmanager", ProcOpts{LogDir: logDir, Env: []string{
		"ALERTMANAGER_TEMPLATE=" + monDir("alertmanager", "alertmanager.yml"),
		"WEBHOOK_URL_FILE=" + urlFile,
		"ALERTMANAGER_CONFIG=" + filepath.Join(dir, "am", "alertmanager.yml"),
		"ALERTMANAGER_BIN=prometheus-alertmanager",
	}}, "sh", monDir("alertmanager", "start.sh"),
		"--storage.path="+filepath.Join(dir, "am"), "--web.listen-address="+monAddr(pAM), "--cluster.listen-address=")
	WaitHTTP(t, s.AMURL+"/-/ready", 60*time.Second, am)
	RunCmd(t, nil, "amtool", "alert", "add", monDeliveryAlert, "severity=critical", "job=test",
		"--annotation=summary=delivery test", "--alertmanager.url="+s.AMURL)

	// Prometheus with the production configuration and rules.
	pProm := FreePort(t)
	promYML := filepath.Join(dir, "prometheus.yml")
	monWritePromConfig(t, promYML, map[string]string{
		"web": monAddr(s.Split.Web.MetricsPort), "api": monAddr(s.Split.API.MetricsPort),
		"follower": monAddr(s.Split.Follower.MetricsPort), "minitwit": monAddr(s.AIO.MetricsPort),
		"gateway": monAddr(pNginx), "postgres": monAddr(pPG), "node": monAddr(pNode),
		"alertmanager": monAddr(pAM), "prometheus": monAddr(pProm),
	}, s.Gateway.URL+"/public", monAddr(pBB), monAddr(pAM))
	prom := StartProc(t, "prometheus", ProcOpts{LogDir: logDir}, "prometheus",
		"--config.file="+promYML, "--storage.tsdb.path="+filepath.Join(dir, "tsdb"),
		"--web.listen-address="+monAddr(pProm), "--storage.tsdb.retention.time=1h")
	s.Prom = monProm{base: "http://" + monAddr(pProm)}
	WaitHTTP(t, s.Prom.base+"/-/ready", 60*time.Second, prom)

	s.generateTraffic(t)
	return s
}

// generateTraffic sends two rounds of simulator calls through the gateway
// and to the all-in-one, with a scrape in between so counters born in round
// 1 visibly increase, then web sign-ups and sign-ins, and waits until
// Prometheus has scraped the result.
func (s *monStack) generateTraffic(t testing.TB) {
	t.Helper()
	Eventually(t, 90*time.Second, "api and all-in-one scraped",
		s.Prom.nonEmpty(`up{job="api"} == 1 and on () up{job="minitwit"} == 1`))
	round := func(n int) {
		s.Traffic.apiRound(s.Gateway.URL+"/api", "gw", s.Secrets.Authorization, s.Secrets.UserPassword, n)
		s.Traffic.apiRound(s.AIO.URL+"/api", "aio", s.Secrets.Authorization, s.Secrets.UserPassword, n)
	}
	round(1)
	Eventually(t, 90*time.Second, "round 1 scraped",
		s.Prom.nonEmpty(`minitwit_http_requests_total{service="api", route="/msgs", status="403"} == 3`))
	round(2)
	s.Traffic.webSession(s.AIO.URL, "dave", s.Secrets.UserPassword, "bob1aio", s.RequestIDAIO)
	s.Traffic.webSession(s.Gateway.URL, "erin", s.Secrets.UserPassword, "bob1gw", s.RequestIDSplit)
	Eventually(t, 90*time.Second, "round 2, sign-ins and exporters scraped", s.Prom.nonEmpty(
		`minitwit_http_requests_total{service="api", route="/msgs", status="403"} == 6
		 and on () count(minitwit_signins_total{job="web"})
		 and on () count(probe_success) and on () count(pg_up) and on () count(nginx_up)`))
}

// monWebhook stores what Alertmanager delivers.
type monWebhook struct {
	URL  string
	mu   sync.Mutex
	msgs []monWebhookMessage
}

// monWebhookMessage is Alertmanager's webhook payload.
type monWebhookMessage struct {
	Receiver string `json:"receiver"`
	Status   string `json:"status"`
	Alerts   []struct {
		Status      string            `json:"status"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
	} `json:"alerts"`
}

func monStartWebhook(t testing.TB) *monWebhook {
	h := &monWebhook{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		var m monWebhookMessage
		if err == nil {
			err = json.Unmarshal(b, &m)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		h.msgs = append(h.msgs, m)
		h.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	h.URL = srv.URL + "/alerts"
	return h
}

func (h *monWebhook) messages() []monWebhookMessage {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]monWebhookMessage(nil), h.msgs...)
}
