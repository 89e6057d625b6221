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
					if tt.wantSecure {
						name = "__Host-" + name
					}
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
			ck := cookieNamed(t, r, "__Host-minitwit_session")
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
	full := webui.Deps{Users: db.Store, Messages: db.Store, Follows: db.Store, Sessions: db.Store, TwoFactor: db.Store, Hasher: testHasher, SessionKey: testKey, Log: log, Metrics: m}
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
		{"no two-factor store", func(d *webui.Deps) { d.TwoFactor = nil }},
		{"no sessions", func(d *webui.Deps) { d.Sessions = nil }},
		{"short previous session key", func(d *webui.Deps) { d.PreviousSessionKey = []byte("short") }},
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

// signedInWith tells whether a request carrying only the given session
// cookie value is signed in on a.
func signedInWith(t *testing.T, a *app, value string) bool {
	t.Helper()
	r := a.client().do("GET", "/", nil, header{"Cookie": "minitwit_session=" + value})
	switch {
	case r.Status == http.StatusOK:
		return true
	case r.Status == http.StatusFound && r.Location == "/public":
		return false
	}
	t.Fatalf("GET / with a session cookie: status %d location %q", r.Status, r.Location)
	return false
}

// Sign-out ends the session on the server: a copy of the cookie taken
// before no longer signs anyone in, on any replica.
func TestSignOutEndsSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		one, two := newApp(t, db), newApp(t, db)
		c, _ := one.signedIn("alice")
		copied := c.cookie("minitwit_session")
		if !signedInWith(t, one, copied) || !signedInWith(t, two, copied) {
			t.Fatal("a fresh session is not honoured on both replicas")
		}
		// The browser signs out through the other replica.
		wantRedirect(t, two.client().do("GET", "/logout", nil, header{"Cookie": "minitwit_session=" + copied}), "/public")
		for name, a := range map[string]*app{"replica one": one, "replica two": two} {
			if signedInWith(t, a, copied) {
				t.Errorf("%s: the cookie copied before sign-out still signs in", name)
			}
		}
		// Another browser of the same user stays signed in.
		c2 := one.client()
		wantRedirect(t, c2.post("/login", url.Values{"username": {"alice"}, "password": {"pw-alice"}}), "/")
		other := c2.cookie("minitwit_session")
		wantRedirect(t, one.client().do("GET", "/logout", nil, header{"Cookie": "minitwit_session=" + copied}), "/public")
		if !signedInWith(t, two, other) {
			t.Error("signing out one browser ended another browser's session")
		}
	})
}

// An operator (minitwit-admin revoke-sessions, which calls
// DeleteUserSessions) ends all of a user's sessions at once.
func TestRevokedSessionsEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		c, u := a.signedIn("mallory")
		keep, _ := a.signedIn("bystander")
		copied := c.cookie("minitwit_session")
		n, err := db.Store.DeleteUserSessions(t.Context(), u.ID)
		if err != nil || n != 1 {
			t.Fatalf("DeleteUserSessions = %d, %v", n, err)
		}
		if signedInWith(t, a, copied) {
			t.Error("a revoked session still signs in")
		}
		wantRedirect(t, c.get("/"), "/public")
		wantStatus(t, keep.get("/"), http.StatusOK)
	})
}

// Over HTTPS the cookies carry the __Host- prefix (Secure, Path=/, no
// Domain), and only the prefixed name is read there: a valid session under
// the plain name (as a sibling subdomain could plant one) signs nobody in.
// Sign-out clears both names.
func TestHostPrefixedCookies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		a.createUser("alice", "a@example.com", "pw")
		https := header{"X-Forwarded-Proto": "https"}
		r := a.client().do("POST", "/login", url.Values{"username": {"alice"}, "password": {"pw"}}, https)
		wantRedirect(t, r, "/")
		for _, name := range []string{"__Host-minitwit_session", "__Host-minitwit_flash"} {
			ck := cookieNamed(t, r, name)
			if !ck.Secure || ck.Path != "/" || ck.Domain != "" {
				t.Errorf("%s: Secure=%v Path=%q Domain=%q, want Secure, / and none", name, ck.Secure, ck.Path, ck.Domain)
			}
		}
		for _, ck := range r.Cookies {
			if !strings.HasPrefix(ck.Name, "__Host-") {
				t.Errorf("over HTTPS a cookie without the prefix was set: %s", ck.Name)
			}
		}
		session := cookieNamed(t, r, "__Host-minitwit_session").Value
		for _, tt := range []struct {
			name   string
			h      header
			signed bool
		}{
			{"prefixed name over HTTPS", header{"X-Forwarded-Proto": "https", "Cookie": "__Host-minitwit_session=" + session}, true},
			{"plain name over HTTPS (planted)", header{"X-Forwarded-Proto": "https", "Cookie": "minitwit_session=" + session}, false},
			{"plain name over HTTP", header{"Cookie": "minitwit_session=" + session}, true},
			{"prefixed name over HTTP", header{"Cookie": "__Host-minitwit_session=" + session}, false},
		} {
			got := a.client().do("GET", "/", nil, tt.h)
			if signed := got.Status == http.StatusOK; signed != tt.signed {
				t.Errorf("%s: status %d, signed in %v, want %v", tt.name, got.Status, signed, tt.signed)
			}
		}
		out := a.client().do("GET", "/logout", nil, header{"X-Forwarded-Proto": "https", "Cookie": "__Host-minitwit_session=" + session})
		for _, name := range []string{"__Host-minitwit_session", "minitwit_session"} {
			if ck := cookieNamed(t, out, name); ck.MaxAge >= 0 {
				t.Errorf("sign-out over HTTPS does not clear %s", name)
			}
		}
		if signedInWith(t, a, session) {
			t.Error("the session outlived sign-out")
		}
	})
}

// Rotating the key: a replica with the new key and the old one as previous
// honours sessions and flashes signed with the old key; once the previous
// key is dropped, they no longer pass.
func TestSessionKeyRotation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		oldKey, newKey := testKey, []byte("the-new-session-key-0123456789ab")
		before := newApp(t, db)
		during := newApp(t, db, withKey(newKey), withPreviousKey(oldKey))
		after := newApp(t, db, withKey(newKey))
		c, _ := before.signedIn("rotor")
		oldCookie := c.cookie("minitwit_session")
		if !signedInWith(t, during, oldCookie) {
			t.Error("during the rotation a session signed with the old key is refused")
		}
		if signedInWith(t, after, oldCookie) {
			t.Error("after the rotation a session signed with the old key still passes")
		}
		c2 := during.client()
		during.createUser("newbie", "n@example.com", "pw-newbie")
		wantRedirect(t, c2.post("/login", url.Values{"username": {"newbie"}, "password": {"pw-newbie"}}), "/")
		newCookie := c2.cookie("minitwit_session")
		if !signedInWith(t, after, newCookie) {
			t.Error("a session made during the rotation is refused with the new key alone")
		}
		if signedInWith(t, before, newCookie) {
			t.Error("a session made during the rotation was signed with the old key")
		}
		// A pending flash signed with the old key is still shown.
		fl := before.client()
		wantRedirect(t, fl.get("/logout"), "/public")
		flash := fl.cookie("minitwit_flash")
		r := during.client().do("GET", "/public", nil, header{"Cookie": "minitwit_flash=" + flash})
		mustContain(t, r.Body, flashBox("You were logged out"))
	})
}
