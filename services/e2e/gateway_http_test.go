package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// gwSimAuth is the simulator's Basic credentials (simulator:super_safe!).
const gwSimAuth = "Basic c2ltdWxhdG9yOnN1cGVyX3NhZmUh"

// gwAnswer is a response with its body read.
type gwAnswer struct {
	Status int
	Header http.Header
	Body   string
	// Location is the redirect target resolved against the request URL, or "".
	Location string
}

// do sends a request through the gateway's client; headers are "Name: value".
func (g *Gateway) do(t testing.TB, method, url, body string, headers ...string) gwAnswer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(k, strings.TrimSpace(v))
	}
	return gwDo(t, g.Client, req)
}

// gwDo sends req with c and reads the whole answer.
func gwDo(t testing.TB, c *http.Client, req *http.Request) gwAnswer {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", req.Method, req.URL, err)
	}
	a := gwAnswer{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
	if loc, err := resp.Location(); err == nil {
		a.Location = loc.String()
	}
	return a
}

func (g *Gateway) get(t testing.TB, url string, headers ...string) gwAnswer {
	t.Helper()
	return g.do(t, http.MethodGet, url, "", headers...)
}

// testGatewayRedirects: plain HTTP is redirected to HTTPS with path and
// query kept, /api/ included (never proxied over plain HTTP).
func testGatewayRedirects(t *testing.T, g *Gateway) {
	type redirect struct {
		Status   int
		Location string
	}
	for _, c := range []struct{ name, path string }{
		{"Web", "/public?x=1"},
		{"API", "/api/latest"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := g.get(t, g.HTTPURL()+c.path)
			want := redirect{http.StatusMovedPermanently, g.HTTPSURL() + c.path}
			if d := cmp.Diff(want, redirect{a.Status, a.Location}); d != "" {
				t.Errorf("GET %s over plain HTTP (-want +got):\n%s", c.path, d)
			}
		})
	}
}

// testGatewayHealth: the ACME challenge over plain HTTP, the gateway's own
// /healthz on both listeners, stub_status on the unpublished port.
func testGatewayHealth(t *testing.T, g *Gateway) {
	t.Run("ACMEChallenge", func(t *testing.T) {
		token := fmt.Sprintf("token-%d", time.Now().UnixNano())
		file := filepath.Join(g.Dir, "acme", ".well-known", "acme-challenge", "e2e-token")
		if err := os.WriteFile(file, []byte(token), 0o644); err != nil {
			t.Fatal(err)
		}
		a := g.get(t, g.HTTPURL()+"/.well-known/acme-challenge/e2e-token")
		if d := cmp.Diff([2]any{200, token}, [2]any{a.Status, a.Body}); d != "" {
			t.Errorf("ACME challenge over plain HTTP (-want +got):\n%s", d)
		}
		if a := g.get(t, g.HTTPURL()+"/.well-known/acme-challenge/missing"); a.Status != http.StatusNotFound {
			t.Errorf("a missing challenge answered %d, want 404", a.Status)
		}
	})
	t.Run("Healthz", func(t *testing.T) {
		for _, base := range []string{g.HTTPSURL(), g.HTTPURL()} {
			a := g.get(t, base+"/healthz")
			var got struct{ Status string }
			if err := json.Unmarshal([]byte(a.Body), &got); err != nil || a.Status != 200 {
				t.Fatalf("%s/healthz: %d %q (%v)", base, a.Status, a.Body, err)
			}
			if got.Status != "ok" {
				t.Errorf("%s/healthz: %q", base, a.Body)
			}
		}
	})
	t.Run("StubStatus", func(t *testing.T) {
		a := g.get(t, g.StatusURL())
		if a.Status != 200 || !strings.Contains(a.Body, "Active connections") {
			t.Errorf("stub_status: %d %q", a.Status, a.Body)
		}
	})
}

// testGatewayHeaders: security headers once on every HTTPS answer (pages,
// the API, errors), and no NGINX version.
func testGatewayHeaders(t *testing.T, g *Gateway) {
	for _, c := range []struct{ name, path string }{
		{"Page", "/public"},
		{"API", "/api/latest"},
		{"NotFound", "/nonexistent-user-e2e"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := g.get(t, g.HTTPSURL()+c.path).Header
			got := map[string][]string{}
			for _, k := range []string{"Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options"} {
				got[k] = h.Values(k)
			}
			want := map[string][]string{
				"Strict-Transport-Security": {"max-age=63072000; includeSubDomains"},
				"X-Content-Type-Options":    {"nosniff"},
				"X-Frame-Options":           {"DENY"},
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("GET %s headers (-want +got):\n%s", c.path, d)
			}
			if csp := h.Values("Content-Security-Policy"); len(csp) != 1 || !strings.Contains(csp[0], "frame-ancestors 'none'") {
				t.Errorf("GET %s: Content-Security-Policy %q, want one with frame-ancestors 'none'", c.path, csp)
			}
			if rp := h.Values("Referrer-Policy"); len(rp) != 1 || rp[0] == "" {
				t.Errorf("GET %s: Referrer-Policy %q, want one", c.path, rp)
			}
		})
	}
	t.Run("ServerWithoutVersion", func(t *testing.T) {
		if s := g.get(t, g.HTTPSURL()+"/healthz").Header.Values("Server"); !cmp.Equal(s, []string{"nginx"}) {
			t.Errorf("Server: %q, want just nginx", s)
		}
	})
}

var gwCSSLink = regexp.MustCompile(`/static/[^"]*\.css[^"]*`)

// testGatewayGzip: HTML, CSS and JSON are compressed for clients that ask.
func testGatewayGzip(t *testing.T, g *Gateway) {
	// Enough messages for a JSON answer above gzip_min_length.
	g.apiUser(t, "gzip e2e")
	for i := range 10 {
		g.apiPost(t, "/api/msgs/gzip%20e2e", fmt.Sprintf(`{"content":"message %d for the compression check"}`, i))
	}
	css := gwCSSLink.FindString(g.get(t, g.HTTPSURL()+"/public").Body)
	if css == "" {
		t.Fatal("/public links no stylesheet under /static/")
	}
	for _, c := range []struct {
		name, path string
		headers    []string
	}{
		{"HTML", "/public", nil},
		{"CSS", css, nil},
		{"JSON", "/api/msgs?no=50", []string{"Authorization: " + gwSimAuth}},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := g.get(t, g.HTTPSURL()+c.path, append(c.headers, "Accept-Encoding: gzip")...)
			if a.Status != 200 || a.Header.Get("Content-Encoding") != "gzip" {
				t.Errorf("GET %s: %d, Content-Encoding %q, want 200 gzip", c.path, a.Status, a.Header.Get("Content-Encoding"))
			}
		})
	}
}

// apiUser registers a simulator user through the gateway unless it exists.
func (g *Gateway) apiUser(t testing.TB, name string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": name, "email": "e2e@example.org", "pwd": "pw"})
	a := g.do(t, http.MethodPost, g.HTTPSURL()+"/api/register", string(body), "Content-Type: application/json")
	if a.Status != http.StatusNoContent && !(a.Status == http.StatusBadRequest && strings.Contains(a.Body, "taken")) {
		t.Fatalf("registering %q: %d %s", name, a.Status, a.Body)
	}
}

// apiPost sends a simulator POST with a JSON body and wants 204.
func (g *Gateway) apiPost(t testing.TB, path, body string) {
	t.Helper()
	a := g.do(t, http.MethodPost, g.HTTPSURL()+path, body, "Authorization: "+gwSimAuth, "Content-Type: application/json")
	if a.Status != http.StatusNoContent {
		t.Fatalf("POST %s: %d %s", path, a.Status, a.Body)
	}
}
