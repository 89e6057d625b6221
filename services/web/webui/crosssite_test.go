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
			{"typed address", header{"Sec-Fetch-Site": "none"}},
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
