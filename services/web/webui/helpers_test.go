package webui_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/sirupsen/logrus"

	"minitwit/shared/domain"
	"minitwit/shared/httpserver"
	"minitwit/shared/metrics"
	"minitwit/shared/password"
	"minitwit/shared/storetest"
	"minitwit/web/webui"
)

// testKey is the session key of every test replica unless a test picks another.
var testKey = []byte("test-session-key-0123456789abcdef")

// testHasher keeps bcrypt cheap in tests.
var testHasher = password.Hasher{Cost: 4}

// syncBuffer collects log lines written by concurrent handlers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// app is one web replica on a real database, served over loopback through
// the same engine, middleware and 404 handler the binaries use.
type app struct {
	t       *testing.T
	db      storetest.DB
	srv     *httptest.Server
	metrics *metrics.Metrics
	logs    *syncBuffer
}

type appOption func(*webui.Deps)

func withKey(key []byte) appOption { return func(d *webui.Deps) { d.SessionKey = key } }

func withPreviousKey(key []byte) appOption {
	return func(d *webui.Deps) { d.PreviousSessionKey = key }
}

func withFollows(f domain.FollowService) appOption { return func(d *webui.Deps) { d.Follows = f } }

func newApp(t *testing.T, db storetest.DB, opts ...appOption) *app {
	t.Helper()
	logs := &syncBuffer{}
	r, m := newEngine(t, db, logs, opts...)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return &app{t: t, db: db, srv: srv, metrics: m, logs: logs}
}

// newEngine wires the UI as the binaries do: NewEngine with the UI's panic
// page, Mount at the root, NotFound for unmatched routes.
func newEngine(tb testing.TB, db storetest.DB, logs io.Writer, opts ...appOption) (*gin.Engine, *metrics.Metrics) {
	tb.Helper()
	l := logrus.New()
	l.SetOutput(logs)
	l.SetFormatter(&logrus.JSONFormatter{})
	log := l.WithField("service", "web")
	m := metrics.New("test", "test")
	d := webui.Deps{
		Users: db.Store, Messages: db.Store, Follows: db.Store, Sessions: db.Store, TwoFactor: db.Store,
		Hasher: testHasher, SessionKey: testKey, Log: log, Metrics: m,
	}
	for _, o := range opts {
		o(&d)
	}
	h, err := webui.New(d)
	if err != nil {
		tb.Fatal(err)
	}
	r := httpserver.NewEngine("web", log, m, h.InternalError)
	// Stand-ins for the API routes the all-in-one binary mounts beside the UI.
	api := r.Group("/api")
	api.GET("/msgs", func(c *gin.Context) { c.JSON(http.StatusOK, []string{}) })
	api.GET("/boom", func(c *gin.Context) { panic("boom: secret internal detail") })
	h.Mount(r)
	r.NoRoute(h.NotFound)
	return r, m
}

// client is a browser-like cookie holder that does not follow redirects,
// so tests see every 302 and where it points.
type client struct {
	t    *testing.T
	app  *app
	jar  *cookiejar.Jar
	http *http.Client
}

func (a *app) client() *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		a.t.Fatal(err)
	}
	return &client{t: a.t, app: a, jar: jar, http: &http.Client{
		Jar:           jar,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type response struct {
	Status   int
	Body     string
	Header   http.Header
	Location string
	Cookies  []*http.Cookie
}

type header map[string]string

func (c *client) do(method, path string, form url.Values, h header) response {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.app.srv.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return response{
		Status: res.StatusCode, Body: string(b), Header: res.Header,
		Location: res.Header.Get("Location"), Cookies: res.Cookies(),
	}
}

func (c *client) get(path string) response { return c.do(http.MethodGet, path, nil, nil) }

func (c *client) post(path string, form url.Values) response {
	return c.do(http.MethodPost, path, form, nil)
}

// follow loads where r redirects to, as a browser would.
func (c *client) follow(r response) response {
	c.t.Helper()
	if r.Status != http.StatusFound {
		c.t.Fatalf("status %d, want a 302 redirect; body:\n%s", r.Status, r.Body)
	}
	return c.get(r.Location)
}

// cookie returns the value the jar holds for name ("" if none).
func (c *client) cookie(name string) string {
	u, _ := url.Parse(c.app.srv.URL)
	for _, ck := range c.jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// createUser stores a user the way the API does: a bcrypt hash from the
// shared Hasher, straight into the store.
func (a *app) createUser(name, email, pw string) domain.User {
	a.t.Helper()
	hash, err := testHasher.Hash(pw)
	if err != nil {
		a.t.Fatal(err)
	}
	u, err := a.db.Store.CreateUser(context.Background(), domain.User{Username: name, Email: email, PwHash: hash})
	if err != nil {
		a.t.Fatal(err)
	}
	return u
}

// signedIn returns a client signed in as a freshly created user.
func (a *app) signedIn(name string) (*client, domain.User) {
	a.t.Helper()
	u := a.createUser(name, strings.ReplaceAll(name, " ", ".")+"@example.com", "pw-"+name)
	c := a.client()
	r := c.post("/login", url.Values{"username": {name}, "password": {"pw-" + name}})
	if r.Status != http.StatusFound || r.Location != "/" {
		a.t.Fatalf("sign in as %q: status %d location %q\n%s", name, r.Status, r.Location, r.Body)
	}
	// Land on the home page like a browser, which shows the sign-in flash.
	if home := c.follow(r); home.Status != http.StatusOK {
		a.t.Fatalf("home after sign-in: status %d", home.Status)
	}
	return c, u
}

// postAt stores a message with a chosen time, to control timeline order.
func (a *app) postAt(author domain.User, text string, at time.Time) domain.Message {
	a.t.Helper()
	m, err := a.db.Store.PostMessage(context.Background(), author.ID, text, at)
	if err != nil {
		a.t.Fatal(err)
	}
	return m
}

func (a *app) following(who, whom string) bool {
	a.t.Helper()
	ok, err := a.db.Store.IsFollowing(context.Background(), who, whom)
	if err != nil {
		a.t.Fatal(err)
	}
	return ok
}

// mustContain fails unless body holds every want, verbatim.
func mustContain(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q; page:\n%s", w, body)
		}
	}
}

func mustNotContain(t *testing.T, body string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(body, w) {
			t.Errorf("page holds %q but must not; page:\n%s", w, body)
		}
	}
}

func wantStatus(t *testing.T, r response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body:\n%s", r.Status, status, r.Body)
	}
}

func wantRedirect(t *testing.T, r response, location string) {
	t.Helper()
	if r.Status != http.StatusFound || r.Location != location {
		t.Fatalf("got status %d location %q, want 302 to %q; body:\n%s", r.Status, r.Location, location, r.Body)
	}
}

// errorBox is how the contract shows a form error.
func errorBox(text string) string {
	return "<div class=error><strong>Error:</strong> " + text + "</div>"
}

func flashBox(msgs ...string) string {
	s := "<ul class=flashes>"
	for _, m := range msgs {
		s += "\n<li>" + m + "</li>"
	}
	return s + "\n</ul>"
}
