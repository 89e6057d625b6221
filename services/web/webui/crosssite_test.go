package webui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"minitwit/shared/storetest"
)

// State-changing requests a browser marks as cross-site are refused (403);
// clients sending no fetch metadata, and same-origin pages, pass.
func TestCrossSiteRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		a.createUser("foo", "foo@example.com", "pw")
		c, _ := a.signedIn("me")
		host := strings.TrimPrefix(a.srv.URL, "http://")

		routes := []struct {
			method, path string
			form         url.Values
		}{
			{"POST", "/add_message", url.Values{"text": {"planted"}}},
			{"GET", "/foo/follow", nil},
			{"POST", "/foo/follow", url.Values{}},
			{"GET", "/foo/unfollow", nil},
			{"POST", "/foo/unfollow", url.Values{}},
			{"POST", "/login", url.Values{"username": {"foo"}, "password": {"pw"}}},
			{"POST", "/register", url.Values{"username": {"planted"}, "email": {"p@x"}, "password": {"p"}, "password2": {"p"}}},
			{"GET", "/logout", nil},
		}
		refused := []struct {
			name string
			h    header
		}{
			{"Sec-Fetch-Site cross-site", header{"Sec-Fetch-Site": "cross-site"}},
			{"Sec-Fetch-Site same-site", header{"Sec-Fetch-Site": "same-site"}},
			{"cross-site despite a matching Origin", header{"Sec-Fetch-Site": "cross-site", "Origin": "http://" + host}},
		}
		for _, rt := range routes {
			for _, h := range refused {
				t.Run(rt.method+" "+rt.path+" "+h.name, func(t *testing.T) {
					r := c.do(rt.method, rt.path, rt.form, h.h)
					wantStatus(t, r, http.StatusForbidden)
					if got := title(t, r.Body); got != "Forbidden | MiniTwit" {
						t.Errorf("title %q", got)
					}
				})
			}
			if rt.method == "POST" {
				t.Run(rt.method+" "+rt.path+" old browser, foreign Origin", func(t *testing.T) {
					wantStatus(t, c.do(rt.method, rt.path, rt.form, header{"Origin": "https://evil.example"}), http.StatusForbidden)
				})
			}
		}
		// Nothing the refused requests asked for happened.
		if a.following("me", "foo") {
			t.Error("a refused follow took effect")
		}
		if got := publicTexts(t, db); len(got) != 0 {
			t.Errorf("a refused post was stored: %q", got)
		}
		wantStatus(t, c.get("/"), http.StatusOK) // the refused logout kept the session
		if _, err := db.Store.UserByName(t.Context(), "planted"); err == nil {
			t.Error("a refused registration took effect")
		}

		allowed := []struct {
			name string
			h    header
		}{
			{"no fetch metadata (scripted client)", nil},
			{"same-origin", header{"Sec-Fetch-Site": "same-origin", "Origin": "http://" + host}},
			{"old browser, own Origin", header{"Origin": "http://" + host}},
		}
		for _, h := range allowed {
			t.Run("allowed: "+h.name, func(t *testing.T) {
				wantRedirect(t, c.do("GET", "/foo/follow", nil, h.h), "/foo")
				wantRedirect(t, c.do("POST", "/foo/unfollow", url.Values{}, h.h), "/foo")
				wantRedirect(t, c.do("POST", "/add_message", url.Values{"text": {"ok " + h.name}}, h.h), "/")
			})
		}
		t.Run("reading pages from another site is fine", func(t *testing.T) {
			for _, p := range []string{"/public", "/foo", "/"} {
				wantStatus(t, c.do("GET", p, nil, header{"Sec-Fetch-Site": "cross-site"}), http.StatusOK)
			}
			for _, p := range []string{"/login", "/register"} {
				wantStatus(t, a.client().do("GET", p, nil, header{"Sec-Fetch-Site": "cross-site"}), http.StatusOK)
			}
		})
	})
}

// A GET follow, unfollow or logout the browser marks "none" (a link opened
// from a mail or chat app, a typed address) does nothing but show a page
// whose button POSTs the same request; that same-origin POST acts.
func TestOutsideLinksConfirm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		a.createUser("foo bar", "foo@example.com", "pw")
		c, _ := a.signedIn("me")
		host := strings.TrimPrefix(a.srv.URL, "http://")
		none := header{"Sec-Fetch-Site": "none"}
		sameOrigin := header{"Sec-Fetch-Site": "same-origin", "Origin": "http://" + host}

		confirm := func(path, action, button string) {
			t.Helper()
			r := c.do("GET", path, nil, none)
			wantStatus(t, r, http.StatusOK)
			if got := title(t, r.Body); got != "Confirm | MiniTwit" {
				t.Errorf("GET %s: title %q", path, got)
			}
			mustContain(t, r.Body, `<form method=post action="`+action+`"`, `value="`+button+`"`)
		}
		confirm("/foo%20bar/follow", "/foo%20bar/follow", "Follow user")
		if a.following("me", "foo bar") {
			t.Fatal("GET follow from outside the site acted")
		}
		wantRedirect(t, c.do("POST", "/foo%20bar/follow", url.Values{}, sameOrigin), "/foo%20bar")
		if !a.following("me", "foo bar") {
			t.Fatal("the confirming POST did not follow")
		}
		confirm("/foo%20bar/unfollow", "/foo%20bar/unfollow", "Unfollow user")
		if !a.following("me", "foo bar") {
			t.Fatal("GET unfollow from outside the site acted")
		}
		wantRedirect(t, c.do("POST", "/foo%20bar/unfollow", url.Values{}, sameOrigin), "/foo%20bar")

		confirm("/logout", "/logout", "Sign out")
		wantStatus(t, c.get("/"), http.StatusOK) // still signed in
		wantRedirect(t, c.do("POST", "/logout", url.Values{}, sameOrigin), "/public")
		wantRedirect(t, c.get("/"), "/public")

		t.Run("signed out: nothing to confirm", func(t *testing.T) {
			out := a.client()
			wantStatus(t, out.do("GET", "/foo%20bar/follow", nil, none), http.StatusUnauthorized)
			wantRedirect(t, out.do("GET", "/logout", nil, none), "/public")
		})
		t.Run("same-origin links act at once", func(t *testing.T) {
			in, _ := a.signedIn("you")
			wantRedirect(t, in.do("GET", "/foo%20bar/follow", nil, sameOrigin), "/foo%20bar")
			if !a.following("you", "foo bar") {
				t.Error("a same-origin GET follow did not act")
			}
		})
	})
}
