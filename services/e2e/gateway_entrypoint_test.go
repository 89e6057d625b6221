package e2e

import (
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// testGatewayEntrypoint runs the gateway container's entrypoint
// (gateway/docker-entrypoint.sh) outside a container against the Debian
// NGINX: a stand-in certificate first, then the issued one picked up
// without a restart.
func testGatewayEntrypoint(t *testing.T) {
	NeedTool(t, "nginx", "nginx-light")
	NeedTool(t, "openssl", "openssl")
	NeedTool(t, "envsubst", "gettext-base")
	dir, err := os.MkdirTemp("", "minitwit-e2e-entrypoint.")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	for _, d := range []string{"", "le", "tls", "run", "acme", "logs"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
		_ = os.Chmod(filepath.Join(dir, d), 0o755)
	}
	httpsPort := FreePort(t)
	leCert, leKey := filepath.Join(dir, "le", "fullchain.pem"), filepath.Join(dir, "le", "privkey.pem")
	env := []string{
		"GATEWAY_CONF=" + filepath.Join(dir, "nginx.conf"), "GATEWAY_TLS_DIR=" + filepath.Join(dir, "tls"),
		"GATEWAY_LIB=" + repoPath("gateway"), "GATEWAY_TEMPLATE=" + repoPath("gateway", "templates", "nginx.conf.template"),
		"SERVER_NAME=minitwit.test", "LE_CERT=" + leCert, "LE_KEY=" + leKey, "CERT_CHECK_SECONDS=1",
		"LISTEN_HOST=127.0.0.1", "HTTP_PORT=" + strconv.Itoa(FreePort(t)), "HTTPS_PORT=" + strconv.Itoa(httpsPort),
		"PUBLIC_HTTPS_PORT=" + strconv.Itoa(httpsPort), "WEB_UPSTREAM=127.0.0.1:9", "API_UPSTREAM=127.0.0.1:9",
		"RUN_DIR=" + filepath.Join(dir, "run"), "ACCESS_LOG=" + filepath.Join(dir, "logs", "access.log"),
		"ERROR_LOG=" + filepath.Join(dir, "logs", "error.log"), "ACME_ROOT=" + filepath.Join(dir, "acme"),
		"NGINX_USER=" + gwNginxUser(), "STATUS_PORT=", "GRAFANA_UPSTREAM=", "ACCEPTED_IPS=127.0.0.1",
	}
	ep := StartProc(t, "entrypoint", ProcOpts{Env: env, LogDir: filepath.Join(dir, "logs")}, repoPath("gateway", "docker-entrypoint.sh"))
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(httpsPort))

	// servedSubject is the common name of the certificate the gateway serves.
	servedSubject := func() (string, error) {
		d := &net.Dialer{Timeout: 2 * time.Second}
		conn, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{ServerName: "minitwit.test", InsecureSkipVerify: true})
		if err != nil {
			return "", err
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].Subject.CommonName, nil
	}
	waitSubject := func(t *testing.T, want string) {
		t.Helper()
		Eventually(t, 30*time.Second, "serving the certificate for "+want, func() error {
			if ep.Exited() {
				t.Fatalf("the entrypoint exited:\n%s", ep.Log())
			}
			got, err := servedSubject()
			if err == nil && got != want {
				err = fmt.Errorf("serves CN=%s", got)
			}
			return err
		})
	}

	t.Run("StandInCertificate", func(t *testing.T) {
		waitSubject(t, "minitwit.test")
	})
	t.Run("IssuedCertificateWithoutRestart", func(t *testing.T) {
		waitSubject(t, "minitwit.test")
		NewSelfSigned(t, leCert, leKey, gwCertValid, "issued.minitwit.test", "minitwit.test")
		waitSubject(t, "issued.minitwit.test")
		// exec: the entrypoint's process is the NGINX master; it is the
		// same one that served the stand-in.
		if ep.Exited() {
			t.Fatalf("the NGINX master restarted or exited:\n%s", ep.Log())
		}
	})
	t.Run("WatcherEndsWithNginx", func(t *testing.T) {
		Eventually(t, 30*time.Second, "serving HTTPS", func() error { _, err := servedSubject(); return err })
		// NGINX workers and the certificate watcher are the master's children.
		children := gwChildPids(ep.Pid())
		if len(children) < 2 {
			t.Fatalf("want workers and the watcher as children of %d, got %v", ep.Pid(), children)
		}
		if err := ep.Stop(syscall.SIGQUIT, 30*time.Second); err != nil {
			t.Errorf("nginx did not stop cleanly on SIGQUIT: %v", err)
		}
		Eventually(t, 30*time.Second, "workers and certificate watcher ended", func() error {
			for _, pid := range children {
				if gwPidAlive(pid) {
					return fmt.Errorf("process %d still runs", pid)
				}
			}
			return nil
		})
	})
}
