package browsertest

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"minitwit/shared/domain"
	"minitwit/shared/httpserver"
	"minitwit/shared/logging"
	"minitwit/shared/metrics"
	"minitwit/shared/password"
	"minitwit/shared/store"
	"minitwit/web/webui"
)

// site is one web replica wired as cmd/web wires it, on a fresh SQLite
// database, served on loopback. Its store lets a test seed other users and
// check what a request did or did not change.
type site struct {
	URL      string
	store    *store.Store
	requests *requestLog
}

func startSite(t *testing.T) *site {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "minitwit.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}

	logs := &lockedBuffer{}
	log, err := logging.New(logs, "web", "info")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() && logs.String() != "" {
			t.Logf("web UI log:\n%s", logs.String())
		}
	})
	m := metrics.New("test", "test")
	h, err := webui.New(webui.Deps{
		Users: st, Messages: st, Follows: st,
		// The lowest bcrypt cost: the tests are about pages, not hashing.
		Hasher:     password.Hasher{Cost: 4},
		SessionKey: []byte("browser-test-session-key-0123456789"),
		Log:        log, Metrics: m,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := httpserver.NewEngine("web", log, m, h.InternalError)
	httpserver.MountHealth(r, map[string]domain.Pinger{"database": st})
	h.Mount(r)
	r.NoRoute(h.NotFound)

	reqs := &requestLog{}
	srv := httptest.NewServer(reqs.wrap(r))
	t.Cleanup(srv.Close)
	return &site{URL: srv.URL, store: st, requests: reqs}
}

// seedUser stores a user with one message, as if they had signed up and
// posted before the test's user arrived.
func (s *site) seedUser(t *testing.T, name, text string) {
	t.Helper()
	ctx := context.Background()
	hash, err := password.Hasher{Cost: 4}.Hash("not used by the test")
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.store.CreateUser(ctx, domain.User{Username: name, Email: "seed@example.org", PwHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.PostMessage(ctx, u.ID, text, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
}

// recorded is one request the site answered, as the browser sent it.
type recorded struct {
	Method    string
	Path      string
	FetchSite string // Sec-Fetch-Site: how the browser classed the request
	Status    int
}

// requestLog notes every request the site answers, so a test can see how
// Chromium marked a request that it cannot observe from the page (an
// auto-submitted form) and what status it got.
type requestLog struct {
	mu   sync.Mutex
	reqs []recorded
}

func (l *requestLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		l.mu.Lock()
		defer l.mu.Unlock()
		l.reqs = append(l.reqs, recorded{
			Method: r.Method, Path: r.URL.EscapedPath(),
			FetchSite: r.Header.Get("Sec-Fetch-Site"), Status: sw.status,
		})
	})
}

// find returns the last request for method and path.
func (l *requestLog) find(method, path string) (recorded, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.reqs) - 1; i >= 0; i-- {
		if r := l.reqs[i]; r.Method == method && r.Path == path {
			return r, true
		}
	}
	return recorded{}, false
}

// forget drops what was noted so far.
func (l *requestLog) forget() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = nil
}

// await waits until the site has answered method and path.
func (l *requestLog) await(t *testing.T, method, path string) recorded {
	t.Helper()
	deadline := time.Now().Add(actionTimeout)
	for time.Now().Before(deadline) {
		if r, ok := l.find(method, path); ok {
			return r
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the browser never sent %s %s", method, path)
	return recorded{}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// lockedBuffer collects log lines written by concurrent handlers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
