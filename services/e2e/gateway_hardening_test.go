package e2e

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// gwForgedHost is a Host no gateway serves.
const gwForgedHost = "evil.example"

// testGatewayAcceptedIPsRequired: render.sh, and so the container
// entrypoint, refuses to start without ACCEPTED_IPS, and refuses "*"
// unless ALLOW_ANY_CLIENT=1 says that everyone may use /api/ on purpose.
func testGatewayAcceptedIPsRequired(t *testing.T) {
	NeedTool(t, "nginx", "nginx-light")
	NeedTool(t, "envsubst", "gettext-base")
	dir := t.TempDir()
	base := gwProductionSettings(t, dir)
	without := func(settings []string, name string) []string {
		var out []string
		for _, s := range settings {
			if !strings.HasPrefix(s, name+"=") {
				out = append(out, s)
			}
		}
		return out
	}
	for _, c := range []struct {
		name     string
		settings []string
		refused  bool
	}{
		{"Unset", without(base, "ACCEPTED_IPS"), true},
		{"Empty", append(base, "ACCEPTED_IPS="), true},
		{"StarAlone", append(base, "ACCEPTED_IPS=*"), true},
		{"StarNotReallyAllowed", append(base, "ACCEPTED_IPS=*", "ALLOW_ANY_CLIENT=yes"), true},
		{"StarAllowed", append(base, "ACCEPTED_IPS=*", "ALLOW_ANY_CLIENT=1"), false},
		{"Listed", append(base, "ACCEPTED_IPS=203.0.113.7"), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "nginx.conf")
			msg, err := gwRender(out, c.settings...)
			switch {
			case c.refused && err == nil:
				t.Fatalf("render.sh accepted %q", c.settings)
			case c.refused && !(strings.Contains(msg, "ACCEPTED_IPS") && strings.Contains(msg, "ALLOW_ANY_CLIENT=1")):
				t.Errorf("refusal does not say what to set: %q", msg)
			case !c.refused && err != nil:
				t.Fatalf("render.sh refused: %v\n%s", err, msg)
			}
		})
	}
	t.Run("EntrypointExits", func(t *testing.T) {
		// The entrypoint stops before nginx starts: no port is ever bound.
		cmd := exec.Command(repoPath("gateway", "docker-entrypoint.sh"))
		cmd.Env = append(without(base, "ACCEPTED_IPS"), "PATH="+os.Getenv("PATH"),
			"GATEWAY_CONF="+filepath.Join(dir, "ep.conf"), "GATEWAY_TLS_DIR="+filepath.Join(dir, "eptls"),
			"GATEWAY_LIB="+repoPath("gateway"), "GATEWAY_TEMPLATE="+repoPath("gateway", "templates", "nginx.conf.template"),
			"LE_CERT=/nonexistent", "LE_KEY=/nonexistent", "LISTEN_HOST=127.0.0.1",
			"HTTP_PORT="+strconv.Itoa(FreePort(t)), "HTTPS_PORT="+strconv.Itoa(FreePort(t)))
		// Its own process group, so that a gateway that did start (nginx,
		// its workers, the certificate watcher) is stopped as a whole.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		cmd.WaitDelay = 5 * time.Second
		done := make(chan struct{})
		var out []byte
		var err error
		go func() { out, err = cmd.CombinedOutput(); close(done) }()
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
			t.Fatalf("the entrypoint kept running without ACCEPTED_IPS:\n%s", out)
		}
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() == 0 {
			t.Fatalf("entrypoint without ACCEPTED_IPS: %v, want a non-zero exit\n%s", err, out)
		}
		if !strings.Contains(string(out), "ACCEPTED_IPS") {
			t.Errorf("the entrypoint's message does not name ACCEPTED_IPS:\n%s", out)
		}
	})
}

// gwDial opens a TLS connection to the gateway's HTTPS listener; rcvBuf > 0
// shrinks the socket's receive buffer before the connection is made.
func (g *Gateway) gwDial(t testing.TB, rcvBuf int) *tls.Conn {
	t.Helper()
	d := &net.Dialer{Timeout: 5 * time.Second}
	if rcvBuf > 0 {
		d.Control = func(_, _ string, c syscall.RawConn) error {
			var serr error
			err := c.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvBuf)
			})
			return errors.Join(err, serr)
		}
	}
	conn, err := tls.DialWithDialer(d, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(g.HTTPSPort)),
		&tls.Config{RootCAs: g.Cert.Pool, ServerName: "localhost", NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// gwStalledBody sends the header of a POST to path and the first bytes of a
// body that is never finished; the connection stays open until the gateway
// or the test closes it.
func (g *Gateway) gwStalledBody(t testing.TB, path, requestID string) *tls.Conn {
	t.Helper()
	conn := g.gwDial(t, 0)
	req := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"+
		"Content-Length: 1000\r\nX-Request-ID: %s\r\n\r\n{\"u", path, g.HTTPSPort, requestID)
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	return conn
}

// gwClosedWithin reads conn until the gateway closes it and fails the test
// when that takes longer than limit; it returns what was read.
func gwClosedWithin(t testing.TB, conn net.Conn, limit time.Duration) string {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(limit))
	b, err := io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the gateway still held the connection after %s (read %q)", limit, b)
	}
	return string(b)
}

// gwLogged waits until the access log has the request with this id and
// returns its line.
func (g *Gateway) gwLogged(t testing.TB, requestID string, timeout time.Duration) gatewayAccess {
	t.Helper()
	var found gatewayAccess
	Eventually(t, timeout, "the access log line of "+requestID, func() error {
		for _, a := range g.AccessLog(t) {
			if a.RequestID == requestID {
				found = a
				return nil
			}
		}
		return errors.New("not logged yet")
	})
	return found
}

// testGatewayHardening: the gateway's own limits (finding 8 of issue 9).
func testGatewayHardening(t *testing.T, g *Gateway) {
	t.Run("RenderedLimits", func(t *testing.T) {
		conf := RunCmd(t, nil, "nginx", "-T", "-q", "-p", g.path("gw")+"/", "-c", g.ConfPath(), "-e", "stderr")
		for _, want := range []string{"worker_shutdown_timeout ", "client_body_timeout ", "client_header_timeout ",
			"send_timeout ", "limit_conn perclient ", "absolute_redirect off;",
			"proxy_next_upstream error timeout http_502 http_503 http_504;"} {
			if !strings.Contains(conf, want) {
				t.Errorf("nginx -T lacks %q", want)
			}
		}
	})
	t.Run("ForgedHost", func(t *testing.T) { gwCheckForgedHost(t, g) })
	t.Run("StalledBody", func(t *testing.T) {
		// Production's client_body_timeout (10 s); nginx's own default was 60 s.
		id := fmt.Sprintf("stalled-body-%d", time.Now().UnixNano())
		conn := g.gwStalledBody(t, "/api/register", id)
		gwClosedWithin(t, conn, 40*time.Second)
		if a := g.gwLogged(t, id, 10*time.Second); a.StatusCode() != http.StatusRequestTimeout {
			t.Errorf("stalled body logged with status %d, want 408", a.StatusCode())
		}
	})
	t.Run("StalledReader", func(t *testing.T) { gwCheckStalledReader(t, g) })
	t.Run("ConnLimit", func(t *testing.T) {
		gwWithSettings(t, g, GatewaySettings{AcceptedIPs: "127.0.0.1", ConnLimit: "3", BodyTimeout: "120s"}, func(t *testing.T) {
			var conns []net.Conn
			for i := range 3 {
				conns = append(conns, g.gwStalledBody(t, "/api/register", fmt.Sprintf("connlimit-%d-%d", i, time.Now().UnixNano())))
			}
			// The held requests count once nginx has read their headers.
			Eventually(t, 20*time.Second, "a fourth request refused", func() error {
				if a := g.get(t, g.HTTPSURL()+"/public"); a.Status != http.StatusTooManyRequests {
					return fmt.Errorf("GET /public: %d", a.Status)
				}
				return nil
			})
			a := g.get(t, g.HTTPSURL()+"/api/latest")
			if d := cmp.Diff(gwAPIAnswer{Status: 429, ContentType: "application/json",
				Error: &gwAPIError{429, "Too many requests"}}, gwAPIAnswerOf(t, a)); d != "" {
				t.Errorf("GET /api/latest over the limit (-want +got):\n%s", d)
			}
			for _, c := range conns {
				c.Close()
			}
			Eventually(t, 20*time.Second, "served again once the held requests ended", func() error {
				if a := g.get(t, g.HTTPSURL()+"/public"); a.Status != http.StatusOK {
					return fmt.Errorf("GET /public: %d", a.Status)
				}
				return nil
			})
		})
	})
	t.Run("WorkerShutdownTimeout", func(t *testing.T) {
		gwWithSettings(t, g, GatewaySettings{AcceptedIPs: "127.0.0.1", ShutdownTimeout: "2s", BodyTimeout: "300s"}, func(t *testing.T) {
			conn := g.gwStalledBody(t, "/api/register", fmt.Sprintf("shutdown-%d", time.Now().UnixNano()))
			// A byte every second: the request never stalls long enough for
			// client_body_timeout, so only worker_shutdown_timeout ends it.
			stop := make(chan struct{})
			defer close(stop)
			go func() {
				for {
					select {
					case <-stop:
						return
					case <-time.After(time.Second):
						if _, err := conn.Write([]byte("x")); err != nil {
							return
						}
					}
				}
			}()
			// gwReloadNginx waits (60 s at most) until every old worker exited.
			g.Reconfigure(t, g.Settings())
			gwClosedWithin(t, conn, 30*time.Second)
		})
	})
	t.Run("ErrorHeaders", func(t *testing.T) { gwCheckErrorHeaders(t, g) })
	t.Run("RetryIdempotent", func(t *testing.T) { gwCheckRetry(t, g) })
}

// gwAPIAnswerOf reads an answer the way apiLatest does.
func gwAPIAnswerOf(t testing.TB, a gwAnswer) gwAPIAnswer {
	t.Helper()
	got := gwAPIAnswer{Status: a.Status, ContentType: a.Header.Get("Content-Type")}
	if a.Status != http.StatusOK {
		got.Error = &gwAPIError{}
		if err := json.Unmarshal([]byte(a.Body), got.Error); err != nil {
			t.Fatalf("%d with a body that is not JSON: %q", a.Status, a.Body)
		}
	}
	return got
}

// gwRaw sends one raw HTTP/1.1 request (exactly as written, Connection:
// close added by the caller) over TLS or plain TCP and parses the answer.
func (g *Gateway) gwRaw(t testing.TB, plain bool, raw string) gwAnswer {
	t.Helper()
	var conn net.Conn
	if plain {
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(g.HTTPPort)), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		conn = c
	} else {
		conn = g.gwDial(t, 0)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(15 * time.Second))
	if _, err := conn.Write([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%q: %v", raw, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := gwAnswer{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
	if loc, err := resp.Location(); err == nil {
		a.Location = loc.String()
	}
	return a
}

// gwCheckForgedHost: redirects name the configured server, never the
// client's Host; a Host the gateway does not serve is refused (421) except
// for the health probe.
func gwCheckForgedHost(t *testing.T, g *Gateway) {
	type answer struct {
		Status   int
		Location string
	}
	for _, c := range []struct {
		name  string
		plain bool
		raw   string
		want  answer
	}{
		{"HTTPRedirectKnownHost", true, "GET /public?x=1 HTTP/1.1\r\nHost: localhost\r\n",
			answer{301, g.HTTPSURL() + "/public?x=1"}},
		{"HTTPForgedHost", true, "GET /public HTTP/1.1\r\nHost: " + gwForgedHost + "\r\n", answer{421, ""}},
		{"HTTPForgedAbsoluteTarget", true, "GET http://" + gwForgedHost + "/public HTTP/1.1\r\nHost: localhost\r\n", answer{421, ""}},
		{"HTTPForgedHostHealthz", true, "GET /healthz HTTP/1.1\r\nHost: " + gwForgedHost + "\r\n", answer{200, ""}},
		{"HTTPSTrailingSlash", false, "GET /api HTTP/1.1\r\nHost: localhost\r\n",
			answer{301, fmt.Sprintf("https://127.0.0.1:%d/api/", g.HTTPSPort)}},
		{"HTTPSForgedHost", false, "GET /api HTTP/1.1\r\nHost: " + gwForgedHost + "\r\n", answer{421, ""}},
		{"HTTPSForgedHostPage", false, "GET /public HTTP/1.1\r\nHost: " + gwForgedHost + "\r\n", answer{421, ""}},
		{"HTTPSForgedAbsoluteTarget", false, "GET https://" + gwForgedHost + "/api HTTP/1.1\r\nHost: localhost\r\n", answer{421, ""}},
		{"HTTPSForgedHostHealthz", false, "GET /healthz HTTP/1.1\r\nHost: " + gwForgedHost + "\r\n", answer{200, ""}},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The trailing-slash redirect is relative; resolved against the
			// request it must land on the gateway's own origin.
			a := g.gwRaw(t, c.plain, c.raw+"Connection: close\r\n\r\n")
			got := answer{a.Status, a.Header.Get("Location")}
			if strings.HasPrefix(got.Location, "/") {
				got.Location = fmt.Sprintf("https://127.0.0.1:%d%s", g.HTTPSPort, got.Location)
			}
			if d := cmp.Diff(c.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			if strings.Contains(a.Body, gwForgedHost) || strings.Contains(fmt.Sprint(a.Header), gwForgedHost) {
				t.Errorf("the answer repeats the forged host: %v %q", a.Header, a.Body)
			}
		})
	}
}

// gwCheckStalledReader: a client that stops reading a large answer is cut
// off by send_timeout (production's 10 s; nginx's own default was 60 s).
func gwCheckStalledReader(t *testing.T, g *Gateway) {
	// A user with enough long messages that the answer cannot fit in the
	// socket buffers (the kernel lets a send buffer grow to 4 MB): about
	// 7 MB of JSON.
	const user = "hardening stalled reader"
	g.apiUser(t, user)
	g.PG.SQL(t, "minitwit", fmt.Sprintf(`INSERT INTO messages (author_id, text, pub_date, flagged)
		SELECT id, repeat('x', 900) || n, 1700000000 + n, false FROM users, generate_series(1, 7500) AS n
		WHERE username = '%s'`, user))
	path := "/api/msgs/" + strings.ReplaceAll(user, " ", "%20") + "?no=10000"
	id := fmt.Sprintf("stalled-reader-%d", time.Now().UnixNano())
	conn := g.gwDial(t, 4096)
	req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: %s\r\nX-Request-ID: %s\r\nConnection: close\r\n\r\n",
		path, g.HTTPSPort, gwSimAuth, id)
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	// Not reading: the gateway finishes the request (its log line) on its own.
	a := g.gwLogged(t, id, 40*time.Second)
	if a.StatusCode() != http.StatusOK {
		t.Fatalf("logged with status %d, want 200", a.StatusCode())
	}
	// nginx resets a timed-out connection (reset_timedout_connection), so
	// the kernel may drop even the bytes that did arrive.
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	full, _ := strconv.Atoi(resp.Header.Get("Content-Length"))
	got, err := io.ReadAll(resp.Body)
	if err == nil || (full > 0 && len(got) >= full) {
		t.Errorf("read %d of %d bytes and %v after the gateway gave up; want a cut-off answer", len(got), full, err)
	}
}

// gwSecurityHeaders are the headers every HTTPS answer carries.
func gwSecurityHeaders(h http.Header) map[string]bool {
	got := map[string]bool{}
	for _, k := range []string{"Strict-Transport-Security", "Content-Security-Policy", "X-Content-Type-Options",
		"Referrer-Policy", "X-Frame-Options"} {
		got[k] = len(h.Values(k)) == 1 && h.Get(k) != ""
	}
	return got
}

// gwCheckErrorHeaders: answers NGINX makes itself carry the same security
// headers as the services' answers.
func gwCheckErrorHeaders(t *testing.T, g *Gateway) {
	all := gwSecurityHeaders(http.Header{"Strict-Transport-Security": {"x"}, "Content-Security-Policy": {"x"},
		"X-Content-Type-Options": {"x"}, "Referrer-Policy": {"x"}, "X-Frame-Options": {"x"}})
	check := func(t *testing.T, a gwAnswer, status int) {
		t.Helper()
		if a.Status != status {
			t.Errorf("status %d, want %d", a.Status, status)
		}
		if d := cmp.Diff(all, gwSecurityHeaders(a.Header)); d != "" {
			t.Errorf("security headers present (-want +got):\n%s", d)
		}
	}
	t.Run("400BadHeader", func(t *testing.T) {
		check(t, g.gwRaw(t, false, "GET /public HTTP/1.1\r\nHost: localhost\r\nBad Header Line\r\nConnection: close\r\n\r\n"), 400)
	})
	t.Run("400BadRequestLine", func(t *testing.T) {
		check(t, g.gwRaw(t, false, "GET /public HTTP/1.1 x\r\nHost: localhost\r\nConnection: close\r\n\r\n"), 400)
	})
	t.Run("400Traversal", func(t *testing.T) {
		check(t, g.gwRaw(t, false, "GET /static/../../../etc/passwd HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"), 400)
	})
	t.Run("421UnknownHost", func(t *testing.T) {
		check(t, g.gwRaw(t, false, "GET /public HTTP/1.1\r\nHost: "+gwForgedHost+"\r\nConnection: close\r\n\r\n"), 421)
	})
	t.Run("413", func(t *testing.T) {
		big := strings.Repeat("x", 3<<20)
		check(t, g.do(t, http.MethodPost, g.HTTPSURL()+"/login", big, "Content-Type: application/x-www-form-urlencoded"), 413)
		check(t, g.do(t, http.MethodPost, g.HTTPSURL()+"/api/register", big, "Content-Type: application/json"), 413)
	})
	t.Run("429", func(t *testing.T) {
		gwWithSettings(t, g, GatewaySettings{AcceptedIPs: "127.0.0.1", AuthRate: "1r/m", AuthBurst: "1"}, func(t *testing.T) {
			var last gwAnswer
			for range 3 {
				last = g.do(t, http.MethodPost, g.HTTPSURL()+"/login", "username=x&password=y",
					"Content-Type: application/x-www-form-urlencoded")
			}
			check(t, last, 429)
		})
	})
	t.Run("503DeadUpstreams", func(t *testing.T) {
		web, api := g.pools["web"], g.pools["api"]
		g.pools["web"] = []*Service{{Name: "web", Port: FreePort(t)}}
		g.pools["api"] = []*Service{{Name: "api", Port: FreePort(t)}}
		g.applyGateway(t)
		defer func() {
			g.pools["web"], g.pools["api"] = web, api
			g.applyGateway(t)
		}()
		check(t, g.get(t, g.HTTPSURL()+"/public"), 503)
		check(t, g.get(t, g.HTTPSURL()+"/api/latest"), 503)
	})
}

// gwCheckRetry: with one api replica answering 503 (a stand-in for a
// replica that is failing), every GET is retried on the healthy one and
// succeeds; a POST is never sent twice.
func gwCheckRetry(t *testing.T, g *Gateway) {
	var gets, posts atomic.Int64
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			gets.Add(1)
		} else {
			posts.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"status": 503, "error_msg": "failing replica"}`)
	}))
	defer failing.Close()
	port, _ := strconv.Atoi(failing.URL[strings.LastIndexByte(failing.URL, ':')+1:])
	api := g.pools["api"]
	g.pools["api"] = append([]*Service{{Name: "api-failing", Port: port}}, api...)
	g.applyGateway(t)
	defer func() {
		g.pools["api"] = api
		g.applyGateway(t)
	}()
	codes := map[int]int{}
	for range 20 {
		codes[g.get(t, g.HTTPSURL()+"/api/latest").Status]++
	}
	if d := cmp.Diff(map[int]int{200: 20}, codes); d != "" || gets.Load() == 0 {
		t.Errorf("20 GET /api/latest with one failing replica, which saw %d (-want +got):\n%s", gets.Load(), d)
	}
	sent := 0
	for range 20 {
		a := g.do(t, http.MethodPost, g.HTTPSURL()+"/api/register", "{}", "Content-Type: application/json")
		if a.Status == http.StatusServiceUnavailable {
			sent++
		}
	}
	// Each POST that reached the failing replica came back as its 503.
	if int64(sent) != posts.Load() || sent == 0 {
		t.Errorf("20 POST /api/register: %d answered 503, the failing replica received %d; want equal and above 0", sent, posts.Load())
	}
}
