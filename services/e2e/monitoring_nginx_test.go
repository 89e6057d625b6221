package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// monGateway is a small NGINX in front of the split services: TLS on one
// port (/api/ to api, the rest to web) and stub_status on another, as the
// stack's gateway has them. The Gateway suite tests the real gateway image's
// configuration; this one exists so the exporters have something to watch.
type monGateway struct {
	URL       string // https://127.0.0.1:PORT
	StubURL   string // http://127.0.0.1:PORT/stub_status
	Cert      *SelfSigned
	CertValid time.Duration
	*Proc
}

// monStartGateway starts NGINX with a self-signed certificate valid for 30
// days (the probe must read its expiry) in front of api and web.
func monStartGateway(t testing.TB, dir, logDir string, api, web *Service) *monGateway {
	t.Helper()
	NeedTool(t, "nginx", "nginx-light")
	const valid = 30 * 24 * time.Hour
	cert := NewSelfSigned(t, filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), valid, "gateway", "gateway", "localhost")
	tlsPort, stubPort := FreePort(t), FreePort(t)
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;"
	}
	conf := fmt.Sprintf(`%[1]s
worker_processes 1;
pid %[2]s/nginx.pid;
error_log %[3]s/nginx-error.log;
events { worker_connections 256; }
http {
  access_log %[3]s/nginx-access.log;
  client_body_temp_path %[2]s/body;
  proxy_temp_path %[2]s/proxy;
  fastcgi_temp_path %[2]s/fastcgi;
  uwsgi_temp_path %[2]s/uwsgi;
  scgi_temp_path %[2]s/scgi;
  # Keep a client's request id, make one otherwise (what the gateway does).
  map $http_x_request_id $req_id { default $http_x_request_id; "" $request_id; }
  server {
    listen 127.0.0.1:%[4]d ssl;
    ssl_certificate %[2]s/cert.pem;
    ssl_certificate_key %[2]s/key.pem;
    proxy_set_header Host $http_host;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Request-ID $req_id;
    location /api/ { proxy_pass http://127.0.0.1:%[5]d/; }
    location / { proxy_pass http://127.0.0.1:%[6]d; }
  }
  server {
    listen 127.0.0.1:%[7]d;
    location = /stub_status { stub_status; }
  }
}
`, user, dir, logDir, tlsPort, api.Port, web.Port, stubPort)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	RunCmd(t, nil, "nginx", "-t", "-p", dir, "-c", confPath)
	p := StartProc(t, "nginx", ProcOpts{LogDir: logDir}, "nginx", "-p", dir, "-c", confPath, "-g", "daemon off;")
	g := &monGateway{
		URL:     fmt.Sprintf("https://127.0.0.1:%d", tlsPort),
		StubURL: fmt.Sprintf("http://127.0.0.1:%d/stub_status", stubPort),
		Cert:    cert, CertValid: valid, Proc: p,
	}
	WaitHTTP(t, g.URL+"/api/latest", 30*time.Second, p)
	WaitHTTP(t, g.StubURL, 30*time.Second, p)
	return g
}
