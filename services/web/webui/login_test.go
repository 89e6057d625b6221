package webui_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"golang.org/x/crypto/bcrypt"

	"minitwit/shared/domain"
	"minitwit/shared/password"
	"minitwit/shared/storetest"
)

func TestLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		// Created the way the API registers users: the shared bcrypt Hasher.
		a.createUser("alice", "alice@example.com", `p"w\[x]{y}'`)

		t.Run("form", func(t *testing.T) {
			r := a.client().get("/login")
			wantStatus(t, r, 200)
			if diff := cmp.Diff([]string{"username", "password"}, formFields(t, r.Body, "/login")); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			mustNotContain(t, r.Body, "<div class=error>")
		})

		errorCases := []struct {
			name, username, password, want string
		}{
			{"unknown user", "bob", "whatever", "Invalid username"},
			{"empty username", "", "whatever", "Invalid username"},
			{"look-alike of the name", "\u0430lice", `p"w\[x]{y}'`, "Invalid username"},
			{"wrong password", "alice", "wrong-secret-42", "Invalid password"},
			{"empty password", "alice", "", "Invalid password"},
		}
		for _, tt := range errorCases {
			t.Run(tt.name, func(t *testing.T) {
				c := a.client()
				r := c.post("/login", url.Values{"username": {tt.username}, "password": {tt.password}})
				wantStatus(t, r, http.StatusOK)
				mustContain(t, r.Body, errorBox(tt.want))
				if got := fieldValue(t, r.Body, "username"); got != tt.username {
					t.Errorf("username field keeps %q, want %q", got, tt.username)
				}
				if got := fieldValue(t, r.Body, "password"); got != "" {
					t.Errorf("password field refilled with %q", got)
				}
				if tt.password != "" {
					mustNotContain(t, r.Body, tt.password)
				}
				if c.cookie("minitwit_session") != "" {
					t.Error("a failed sign-in set a session")
				}
			})
		}

		// Names the database could not hold never reach it (PostgreSQL
		// would refuse them with an error, a 500).
		for _, name := range []string{"al\x00ice", "al\xffice"} {
			r := a.client().post("/login", url.Values{"username": {name}, "password": {"x"}})
			wantStatus(t, r, http.StatusOK)
			mustContain(t, r.Body, errorBox("Invalid username"))
		}

		t.Run("success", func(t *testing.T) {
			c := a.client()
			r := c.post("/login", url.Values{"username": {"alice"}, "password": {`p"w\[x]{y}'`}})
			wantRedirect(t, r, "/")
			page := c.follow(r)
			mustContain(t, page.Body, flashBox("You were logged in"), "<h2>My Timeline</h2>")

			t.Run("another case finds the same account", func(t *testing.T) {
				// Names are unique case-insensitively, so "Alice" can
				// only be alice.
				c := a.client()
				wantRedirect(t, c.post("/login", url.Values{"username": {"Alice"}, "password": {`p"w\[x]{y}'`}}), "/")
			})
			t.Run("already signed in", func(t *testing.T) {
				wantRedirect(t, c.get("/login"), "/")
				wantRedirect(t, c.post("/login", url.Values{"username": {"x"}, "password": {"y"}}), "/")
			})
		})
		if got := testutil.ToFloat64(a.metrics.SignIns.WithLabelValues("failure")); got != float64(len(errorCases)+2) {
			t.Errorf("signins{result=failure} = %v, want %d", got, len(errorCases)+2)
		}
		if got := testutil.ToFloat64(a.metrics.SignIns.WithLabelValues("success")); got != 2 {
			t.Errorf("signins{result=success} = %v, want 2", got)
		}
	})
}

// A hash of another cost is replaced at sign-in by one of the configured cost.
func TestLoginUpgradesHash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		old, err := password.Hasher{Cost: 5}.Hash("secret")
		if err != nil {
			t.Fatal(err)
		}
		u, err := db.Store.CreateUser(context.Background(), domain.User{Username: "old", Email: "o@example.com", PwHash: old})
		if err != nil {
			t.Fatal(err)
		}
		wantRedirect(t, a.client().post("/login", url.Values{"username": {"old"}, "password": {"secret"}}), "/")
		got, err := db.Store.UserByID(context.Background(), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cost, err := bcrypt.Cost([]byte(got.PwHash)); err != nil || cost != testHasher.Cost {
			t.Errorf("hash cost after sign-in %d (%v), want %d", cost, err, testHasher.Cost)
		}
		if ok, _ := testHasher.Verify(got.PwHash, "secret"); !ok {
			t.Error("the upgraded hash does not verify")
		}
		// And the new hash still signs in.
		wantRedirect(t, a.client().post("/login", url.Values{"username": {"old"}, "password": {"secret"}}), "/")
	})
}

func TestLogout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		c, _ := a.signedIn("me")
		r := c.get("/logout")
		wantRedirect(t, r, "/public")
		page := c.follow(r)
		mustContain(t, page.Body, flashBox("You were logged out"))
		if diff := cmp.Diff([]link{{"public timeline", "/public"}, {"sign up", "/register"}, {"sign in", "/login"}}, navLinks(t, page.Body)); diff != "" {
			t.Errorf("navigation after sign-out (-want +got):\n%s", diff)
		}
		wantRedirect(t, c.get("/"), "/public")
		if c.cookie("minitwit_session") != "" {
			t.Error("session cookie kept after sign-out")
		}
		t.Run("signed out already", func(t *testing.T) {
			fresh := a.client()
			r := fresh.get("/logout")
			wantRedirect(t, r, "/public")
			mustContain(t, fresh.follow(r).Body, flashBox("You were logged out"))
		})
	})
}

// A flash shows on the next page only.
func TestFlashShownOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		a.createUser("foo", "foo@example.com", "pw")
		c, _ := a.signedIn("me")
		r := c.get("/foo/follow")
		// The redirect itself shows nothing and keeps the flash for the page.
		first := c.follow(r)
		mustContain(t, first.Body, flashBox("You are now following &#34;foo&#34;"))
		if n := len(findAll(parse(t, first.Body), element("ul", "class", "flashes"))); n != 1 {
			t.Errorf("%d flash lists", n)
		}
		second := c.get("/foo")
		mustNotContain(t, second.Body, "<ul class=flashes>", "You are now following")

		t.Run("several flashes queue in order", func(t *testing.T) {
			wantRedirect(t, c.get("/foo/unfollow"), "/foo")
			wantRedirect(t, c.get("/foo/follow"), "/foo")
			page := c.get("/public")
			mustContain(t, page.Body, flashBox("You are no longer following &#34;foo&#34;", "You are now following &#34;foo&#34;"))
			mustNotContain(t, c.get("/public").Body, "<ul class=flashes>")
		})
		t.Run("a forged flash cookie shows nothing", func(t *testing.T) {
			other := newApp(t, db, withKey([]byte("another-key-another-key-another")))
			oc, _ := other.signedIn("forger")
			wantRedirect(t, oc.get("/foo/follow"), "/foo")
			forged := oc.cookie("minitwit_flash")
			if forged == "" {
				t.Fatal("no flash cookie to forge with")
			}
			r := c.do("GET", "/public", nil, header{"Cookie": "minitwit_flash=" + forged})
			mustNotContain(t, r.Body, "<ul class=flashes>")
		})
	})
}
