package webui_test

import (
	"net/http"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"minitwit/shared/storetest"
)

// Follow and unfollow, by GET (scripted clients) and POST (the page's
// forms): flash, redirect to the user's page, 401 signed out, 404 unknown.
func TestFollowUnfollow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		a.createUser("foo", "foo@example.com", "pw")
		me, _ := a.signedIn("me")
		out := a.client()

		tests := []struct {
			name          string
			c             *client
			method, path  string
			status        int
			location      string
			flash         string
			wantFollowing bool
		}{
			{"GET follow", me, "GET", "/foo/follow", 302, "/foo", "You are now following &#34;foo&#34;", true},
			{"GET follow again is fine", me, "GET", "/foo/follow", 302, "/foo", "You are now following &#34;foo&#34;", true},
			{"GET unfollow", me, "GET", "/foo/unfollow", 302, "/foo", "You are no longer following &#34;foo&#34;", false},
			{"POST follow", me, "POST", "/foo/follow", 302, "/foo", "You are now following &#34;foo&#34;", true},
			{"POST unfollow", me, "POST", "/foo/unfollow", 302, "/foo", "You are no longer following &#34;foo&#34;", false},
			{"unfollow when not following", me, "POST", "/foo/unfollow", 302, "/foo", "You are no longer following &#34;foo&#34;", false},
			{"GET follow signed out", out, "GET", "/foo/follow", 401, "", "", false},
			{"POST follow signed out", out, "POST", "/foo/follow", 401, "", "", false},
			{"GET unfollow signed out", out, "GET", "/foo/unfollow", 401, "", "", false},
			{"POST unfollow signed out", out, "POST", "/foo/unfollow", 401, "", "", false},
			{"follow unknown", me, "GET", "/nobody/follow", 404, "", "", false},
			{"POST follow unknown", me, "POST", "/nobody/follow", 404, "", "", false},
			{"unfollow unknown", me, "GET", "/nobody/unfollow", 404, "", "", false},
			{"POST unfollow unknown", me, "POST", "/nobody/unfollow", 404, "", "", false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := tt.c.do(tt.method, tt.path, nil, nil)
				if r.Status != tt.status || r.Location != tt.location {
					t.Fatalf("status %d location %q, want %d %q\n%s", r.Status, r.Location, tt.status, tt.location, r.Body)
				}
				if tt.status == http.StatusFound {
					page := tt.c.follow(r)
					wantStatus(t, page, 200)
					mustContain(t, page.Body, flashBox(tt.flash))
				}
				if got := a.following("me", "foo"); got != tt.wantFollowing {
					t.Errorf("me follows foo: %v, want %v", got, tt.wantFollowing)
				}
			})
		}
		if got := testutil.ToFloat64(a.metrics.Follows.WithLabelValues("web")); got != 3 {
			t.Errorf("follows{via=web} = %v, want 3", got)
		}
		if got := testutil.ToFloat64(a.metrics.Unfollows.WithLabelValues("web")); got != 3 {
			t.Errorf("unfollows{via=web} = %v, want 3", got)
		}
	})
}

func TestFollowSelfRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		c, _ := a.signedIn("me")
		r := c.get("/me/follow")
		wantStatus(t, r, http.StatusBadRequest)
		mustContain(t, r.Body, "You cannot follow yourself.")
		if a.following("me", "me") {
			t.Error("a user follows themselves")
		}
	})
}
