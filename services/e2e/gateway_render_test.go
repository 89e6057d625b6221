package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testGatewayShellcheck: the gateway's and deployment's shell scripts are
// shellcheck-clean (scripts/test.sh checks every script too; this keeps the
// suite's own claim when it runs alone).
func testGatewayShellcheck(t *testing.T) {
	NeedTool(t, "shellcheck", "shellcheck")
	scripts := []string{"gateway/render.sh", "gateway/docker-entrypoint.sh", "scripts/gateway-local.sh",
		"scripts/deploy.sh", "scripts/rollback.sh", "scripts/certbot-renew.sh"}
	cmd := []string{"sh", "-c", `cd "$0" && shellcheck -x "$@"`, repoRoot}
	if out, err := TryCmd(nil, append(cmd, scripts...)...); err != nil {
		t.Errorf("shellcheck: %v\n%s", err, out)
	}
}

// gwProductionSettings are render.sh's settings as in the image and stack,
// with files under dir.
func gwProductionSettings(t *testing.T, dir string) []string {
	t.Helper()
	c := NewSelfSigned(t, filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), gwCertValid, "render.test", "render.test")
	return []string{"SERVER_NAME=minitwit.test", "WEB_UPSTREAM=127.0.0.1:8081", "API_UPSTREAM=127.0.0.1:8082",
		"TLS_CERT=" + c.CertFile, "TLS_KEY=" + c.KeyFile, "RUN_DIR=" + filepath.Join(dir, "run"),
		"ACCESS_LOG=" + filepath.Join(dir, "access.log"), "ERROR_LOG=stderr", "NGINX_USER=" + gwNginxUser(),
		"ACCEPTED_IPS=203.0.113.7"}
}

// testGatewayRender: render.sh renders a production-like configuration
// that nginx accepts, and refuses malformed settings instead of writing a
// configuration that silently opens or closes something.
func testGatewayRender(t *testing.T) {
	NeedTool(t, "nginx", "nginx-light")
	NeedTool(t, "envsubst", "gettext-base")
	dir := t.TempDir()
	base := gwProductionSettings(t, dir)

	t.Run("ProductionLike", func(t *testing.T) {
		conf := filepath.Join(dir, "nginx.conf")
		settings := append(base, "STATUS_PORT=8081", "GRAFANA_UPSTREAM=grafana:3000",
			"ACCEPTED_IPS=203.0.113.7, 10.0.0.0/8", "TRUSTED_PROXIES=192.0.2.1")
		if out, err := gwRender(conf, settings...); err != nil {
			t.Fatalf("render.sh: %v\n%s", err, out)
		}
		// Ports 80 and 443 as in production: nginx -t binds nothing.
		if out, err := gwNginxCheck(dir, conf); err != nil {
			t.Fatalf("nginx -t: %v\n%s", err, out)
		}
		b, err := os.ReadFile(conf)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"listen 80 default_server;", "listen 443 ssl http2 default_server;",
			"listen 8081;", "location ^~ /grafana/", "203.0.113.7 1;", "10.0.0.0/8 1;", "set_real_ip_from 192.0.2.1;"} {
			if !strings.Contains(string(b), want) {
				t.Errorf("rendered configuration lacks %q", want)
			}
		}
	})

	for _, bad := range []struct{ name, setting string }{
		{"AcceptedIPsInjection", "ACCEPTED_IPS=10.0.0.1; allow all"},
		{"AcceptedIPsAll", "ACCEPTED_IPS=all"},
		{"TrustedProxiesInjection", "TRUSTED_PROXIES=0.0.0.0/0;include /etc/passwd"},
		{"WebUpstreamInjection", "WEB_UPSTREAM=web:8081; include /etc/passwd"},
		{"APIUpstreamWithoutPort", "API_UPSTREAM=api"},
		{"ServerNameInjection", "SERVER_NAME=a;b"},
		{"AuthRateWithoutUnit", "AUTH_RATE=5"},
		{"PortOutOfRange", "HTTPS_PORT=70000"},
		{"CSPWithQuotes", `CSP=default-src "self"`},
		{"AuthBurstZero", "AUTH_BURST=0"},
		{"BodyTimeoutWithoutUnit", "CLIENT_BODY_TIMEOUT=10"},
		{"SendTimeoutInjection", "SEND_TIMEOUT=10s; allow all"},
		{"ShutdownTimeoutWords", "WORKER_SHUTDOWN_TIMEOUT=forever"},
		{"ConnLimitZero", "CONN_LIMIT_PER_CLIENT=0"},
		{"ServerNameWildcardFirst", "SERVER_NAME=*.minitwit.test minitwit.test"},
	} {
		t.Run("Refuses/"+bad.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "nginx.conf")
			msg, err := gwRender(out, append(base, bad.setting)...)
			if err == nil {
				t.Fatalf("render.sh accepted %s", bad.setting)
			}
			if !strings.HasPrefix(msg, "render.sh: ") {
				t.Errorf("refusal without render.sh's own message: %q", msg)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("render.sh wrote %s although it refused (stat: %v)", out, err)
			}
		})
	}
}
