package webui_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"minitwit/shared/followclient"
	"minitwit/shared/storetest"
)

type logLine map[string]any

func logLines(t *testing.T, a *app) []logLine {
	t.Helper()
	var out []logLine
	for _, l := range strings.Split(strings.TrimSpace(a.logs.String()), "\n") {
		if l == "" {
			continue
		}
		var m logLine
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		out = append(out, m)
	}
	return out
}

// The access log names the signed-in user, and no log line holds a
// password or a cookie.
func TestLogsNameUserButNoSecrets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		const pw = "pw-Zq81-unique-secret"
		c := a.client()
		wantRedirect(t, c.post("/register", url.Values{"username": {"logged"}, "email": {"l@example.com"}, "password": {pw}, "password2": {pw}}), "/login")
		wantStatus(t, c.post("/login", url.Values{"username": {"logged"}, "password": {pw + "-wrong"}}), 200)
		wantRedirect(t, c.post("/login", url.Values{"username": {"logged"}, "password": {pw}}), "/")
		wantStatus(t, c.get("/"), 200)
		wantStatus(t, c.get("/logged"), 200)
		session := c.cookie("minitwit_session")
		if session == "" {
			t.Fatal("no session")
		}
		logs := a.logs.String()
		for _, secret := range []string{pw, session, strings.SplitN(session, ".", 2)[1]} {
			if strings.Contains(logs, secret) {
				t.Errorf("logs hold a secret %q:\n%s", secret, logs)
			}
		}
		var named []string
		for _, l := range logLines(t, a) {
			if l["msg"] == "request" && l["user"] == "logged" {
				named = append(named, l["route"].(string))
			}
		}
		// The successful sign-in and both signed-in pages name the user.
		if strings.Join(named, " ") != "/login / /:username" {
			t.Errorf("access log lines naming the user: %q", named)
		}
	})
}

// An unreachable follower service is answered with a clean 503 page and
// logged with detail; nothing is written half.
func TestFollowerUnavailable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		dead := "http://" + ln.Addr().String()
		ln.Close()
		a := newApp(t, db, withFollows(followclient.New(dead)))
		a.createUser("foo", "foo@example.com", "pw")
		c, _ := a.signedIn("me")
		for _, path := range []string{"/foo", "/foo/follow", "/foo/unfollow"} {
			r := c.get(path)
			wantStatus(t, r, http.StatusServiceUnavailable)
			if got := title(t, r.Body); got != "Service Unavailable | MiniTwit" {
				t.Errorf("%s: title %q", path, got)
			}
			mustNotContain(t, r.Body, dead, "follower service")
		}
		if !strings.Contains(a.logs.String(), "follower service") {
			t.Error("the cause is not logged")
		}
		// Pages that do not need the follower graph still work.
		wantStatus(t, c.get("/public"), http.StatusOK)
	})
}

// A database that fails mid-flight gives the clean error page, the detail
// going to the log only.
func TestDatabaseFailure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		c, _ := a.signedIn("me")
		if err := db.Store.Close(); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/public", "/"} {
			r := c.get(path)
			wantStatus(t, r, http.StatusInternalServerError)
			if got := title(t, r.Body); got != "Internal Error | MiniTwit" {
				t.Errorf("%s: title %q", path, got)
			}
			mustNotContain(t, r.Body, "closed", "sql")
		}
		if !strings.Contains(a.logs.String(), "database is closed") {
			t.Errorf("the cause is not logged:\n%s", a.logs.String())
		}
	})
}
