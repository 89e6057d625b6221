package webui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"minitwit/shared/metrics"
	"minitwit/shared/storetest"
	"minitwit/web/webui"
)

func cookieNamed(t *testing.T, r response, name string) *http.Cookie {
	t.Helper()
	for _, c := range r.Cookies {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no %s cookie set; Set-Cookie: %q", name, r.Header.Values("Set-Cookie"))
	return nil
}

// The session cookie is HTTP-only and SameSite=Lax; Secure exactly when the
// browser reached us over HTTPS (here: through a TLS-terminating gateway).
func TestSessionCookieAttributes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		a.createUser("alice", "a@example.com", "pw")
		login := url.Values{"username": {"alice"}, "password": {"pw"}}
		tests := []struct {
			name       string
			h          header
			wantSecure bool
		}{
			{"plain HTTP", nil, false},
			{"gateway over HTTPS", header{"X-Forwarded-Proto": "https"}, true},
			{"gateway over HTTPS, upper case", header{"X-Forwarded-Proto": "HTTPS"}, true},
			{"gateway over HTTP", header{"X-Forwarded-Proto": "http"}, false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := a.client().do("POST", "/login", login, tt.h)
				wantRedirect(t, r, "/")
				for _, name := range []string{"minitwit_session", "minitwit_flash"} {
					ck := cookieNamed(t, r, name)
					if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure != tt.wantSecure || ck.Path != "/" {
						t.Errorf("%s: HttpOnly=%v SameSite=%v Secure=%v Path=%q, want true Lax %v /",
							name, ck.HttpOnly, ck.SameSite, ck.Secure, ck.Path, tt.wantSecure)
					}
				}
				if raw := strings.Join(r.Header.Values("Set-Cookie"), "\n"); strings.Contains(raw, "pw") && !strings.Contains(raw, "minitwit") {
					t.Errorf("cookie holds the password: %s", raw)
				}
			})
		}
		t.Run("sign-out clears with the same attributes", func(t *testing.T) {
			r := a.client().do("GET", "/logout", nil, header{"X-Forwarded-Proto": "https"})
			ck := cookieNamed(t, r, "minitwit_session")
			if ck.MaxAge >= 0 || !ck.Secure || !ck.HttpOnly {
				t.Errorf("clearing cookie: MaxAge=%d Secure=%v HttpOnly=%v", ck.MaxAge, ck.Secure, ck.HttpOnly)
			}
		})
	})
}

// A session made by one replica is honoured by another with the same key,
// with no sticky routing and no server-side state.
func TestSessionAcrossReplicas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		one := newApp(t, db)
		two := newApp(t, db)
		other := newApp(t, db, withKey([]byte("a-different-key-for-a-different-app")))
		c, _ := one.signedIn("roamer")
		session := c.cookie("minitwit_session")
		if session == "" {
			t.Fatal("no session cookie")
		}
		send := func(a *app, value string) response {
			return a.client().do("GET", "/", nil, header{"Cookie": "minitwit_session=" + value})
		}
		tests := []struct {
			name   string
			app    *app
			cookie string
			signed bool
		}{
			{"same replica", one, session, true},
			{"other replica, same key", two, session, true},
			{"replica with another key", other, session, false},
			{"tampered payload", two, tamper(session), false},
			{"garbage", two, "not-a-session", false},
			{"empty", two, "", false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := send(tt.app, tt.cookie)
				if tt.signed {
					wantStatus(t, r, 200)
					mustContain(t, r.Body, "<h2>My Timeline</h2>", "sign out [roamer]")
				} else {
					wantRedirect(t, r, "/public")
				}
			})
		}
	})
}

// tamper flips one character of the signed payload.
func tamper(v string) string {
	b := []byte(v)
	if b[2] == 'A' {
		b[2] = 'B'
	} else {
		b[2] = 'A'
	}
	return string(b)
}

// A session of a user who no longer exists signs nobody in.
func TestSessionOfDeletedUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		c, u := a.signedIn("ghost")
		db.Exec(t, "DELETE FROM users WHERE id = ?", u.ID)
		wantRedirect(t, c.get("/"), "/public")
		if c.cookie("minitwit_session") != "" {
			t.Error("the stale session cookie was kept")
		}
	})
}

func TestNewChecksDeps(t *testing.T) {
	db := storetest.Open(t)[0]
	log := logrus.NewEntry(logrus.New())
	m := metrics.New("test", "test")
	full := webui.Deps{Users: db.Store, Messages: db.Store, Follows: db.Store, Hasher: testHasher, SessionKey: testKey, Log: log, Metrics: m}
	if _, err := webui.New(full); err != nil {
		t.Fatalf("complete deps refused: %v", err)
	}
	tests := []struct {
		name   string
		change func(*webui.Deps)
	}{
		{"short session key", func(d *webui.Deps) { d.SessionKey = []byte("short") }},
		{"no session key", func(d *webui.Deps) { d.SessionKey = nil }},
		{"no users", func(d *webui.Deps) { d.Users = nil }},
		{"no follows", func(d *webui.Deps) { d.Follows = nil }},
		{"no logger", func(d *webui.Deps) { d.Log = nil }},
		{"no metrics", func(d *webui.Deps) { d.Metrics = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := full
			tt.change(&d)
			if _, err := webui.New(d); err == nil {
				t.Error("accepted")
			}
		})
	}
}
