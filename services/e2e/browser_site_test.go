package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// brSite is a running deployment's web UI as the browser reaches it: the
// real binary behind a recording pass-through, so that a test sees how
// Chromium marked a request it cannot observe from the page (an
// auto-submitted form) and what the binary answered. The simulator API of
// the same deployment seeds other users and shows what a request did or
// did not change.
type brSite struct {
	URL      string   // what the browser opens
	Web      *Service // the binary serving the pages
	API      string   // simulator API base, ending in /api or at the api service's root
	DB       string   // the deployment's DATABASE_URL, for minitwit-admin
	requests *brRequestLog
}

// brServe puts the recording pass-through in front of web.
func brServe(t *testing.T, web *Service, api string) *brSite {
	t.Helper()
	target, err := url.Parse(web.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		// The binary sees the address the browser used, as behind the
		// gateway, which passes the Host on for the origin check.
		r.Out.Host = r.In.Host
	}}
	reqs := &brRequestLog{}
	srv := httptest.NewServer(reqs.wrap(proxy))
	t.Cleanup(srv.Close)
	return &brSite{URL: srv.URL, Web: web, API: api, requests: reqs}
}

// brSimAuth is the simulator's Basic credentials (the services' defaults).
const brSimAuth = "Basic c2ltdWxhdG9yOnN1cGVyX3NhZmUh"

// api sends a simulator API request and decodes a JSON answer into out
// (when not nil); any status but want fails the test.
func (s *brSite) api(t *testing.T, method, path string, body any, want int, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.API+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", brSimAuth)
	req.Header.Set("Content-Type", "application/json")
	res, err := insecureClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s: %s %s, want %d", method, path, res.Status, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
}

// seedUser registers a user with one message through the simulator API,
// as if they had signed up and posted before the test's user arrived.
func (s *brSite) seedUser(t *testing.T, name, text string) {
	t.Helper()
	s.api(t, http.MethodPost, "/register",
		map[string]string{"username": name, "email": "seed@example.org", "pwd": "not used by the test"},
		http.StatusNoContent, nil)
	s.api(t, http.MethodPost, "/msgs/"+url.PathEscape(name), map[string]string{"content": text}, http.StatusNoContent, nil)
}

// brMessage is a message as the simulator API lists it.
type brMessage struct {
	Content string `json:"content"`
	User    string `json:"user"`
}

// publicMessages is the public timeline, newest first, by the simulator API.
func (s *brSite) publicMessages(t *testing.T) []brMessage {
	t.Helper()
	var msgs []brMessage
	s.api(t, http.MethodGet, "/msgs?no=1000", nil, http.StatusOK, &msgs)
	return msgs
}

// follows is whom name follows, by the simulator API; in the split
// deployment that answer comes from the follower service.
func (s *brSite) follows(t *testing.T, name string) []string {
	t.Helper()
	var res struct {
		Follows []string `json:"follows"`
	}
	s.api(t, http.MethodGet, "/fllws/"+url.PathEscape(name)+"?no=100", nil, http.StatusOK, &res)
	if res.Follows == nil {
		res.Follows = []string{}
	}
	return res.Follows
}

// brRefusal is the web binary's log line for a refused cross-site request.
type brRefusal struct {
	Msg          string `json:"msg"`
	RequestID    string `json:"request_id"`
	Route        string `json:"route"`
	SecFetchSite string `json:"sec_fetch_site"`
}

// refusalLogged waits for the web binary to log its refusal of the request
// with id, and returns that line.
func (s *brSite) refusalLogged(t *testing.T, id string) brRefusal {
	t.Helper()
	var found brRefusal
	Eventually(t, brStepTimeout, "the refusal of request "+id+" in the web log", func() error {
		for line := range strings.SplitSeq(s.Web.Log(), "\n") {
			var l brRefusal
			if json.Unmarshal([]byte(line), &l) == nil && l.RequestID == id && l.Msg == "refused cross-site request" {
				found = l
				return nil
			}
		}
		return fmt.Errorf("no line")
	})
	return found
}

// brRequest is one request the site answered, as the browser sent it.
type brRequest struct {
	Method    string
	Path      string
	FetchSite string // Sec-Fetch-Site: how the browser classed the request
	Status    int
	ID        string // X-Request-ID the binary answered with
}

// brRequestLog notes every request the site answers.
type brRequestLog struct {
	mu   sync.Mutex
	reqs []brRequest
}

func (l *brRequestLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &brStatusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		l.mu.Lock()
		defer l.mu.Unlock()
		l.reqs = append(l.reqs, brRequest{
			Method: r.Method, Path: r.URL.EscapedPath(),
			FetchSite: r.Header.Get("Sec-Fetch-Site"), Status: sw.status,
			ID: w.Header().Get("X-Request-ID"),
		})
	})
}

// find returns the last request for method and path.
func (l *brRequestLog) find(method, path string) (brRequest, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.reqs) - 1; i >= 0; i-- {
		if r := l.reqs[i]; r.Method == method && r.Path == path {
			return r, true
		}
	}
	return brRequest{}, false
}

// forget drops what was noted so far.
func (l *brRequestLog) forget() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = nil
}

// await waits until the site has answered method and path.
func (l *brRequestLog) await(t *testing.T, method, path string) brRequest {
	t.Helper()
	deadline := time.Now().Add(brStepTimeout)
	for time.Now().Before(deadline) {
		if r, ok := l.find(method, path); ok {
			return r
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the browser never sent %s %s", method, path)
	return brRequest{}
}

type brStatusWriter struct {
	http.ResponseWriter
	status int
}

func (w *brStatusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *brStatusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
