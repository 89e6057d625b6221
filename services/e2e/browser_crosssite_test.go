package e2e

import (
	"context"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// brAttackPage is another site's page aimed at a signed-in MiniTwit user:
// a form that submits itself when scripts run, and plain links.
var brAttackPage = template.Must(template.New("attack").Parse(`<!doctype html>
<title>Win a prize</title>
{{if .Action}}<form id=f method=post action="{{.Action}}">
{{range $k, $v := .Fields}}<input type=hidden name="{{$k}}" value="{{$v}}">{{end}}
<button>Claim your prize</button></form>
<script>document.getElementById("f").submit()</script>{{end}}
<p><a id=follow href="{{.Site}}{{.TargetPath}}/follow">See the prize</a>
<p><a id=logout href="{{.Site}}/logout">Log out everywhere</a>
`))

// brStartAttacker serves attack pages on 127.0.0.1 and returns their origin
// under host, so that "localhost" makes a site other than MiniTwit's
// 127.0.0.1 while "127.0.0.1" makes the same site on another port.
func brStartAttacker(t *testing.T, host, siteURL, target string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data := struct {
			Site, TargetPath, Action string
			Fields                   map[string]string
		}{Site: siteURL, TargetPath: brUserPath(target)}
		switch r.URL.Path {
		case "/post":
			data.Action = siteURL + "/add_message"
			data.Fields = map[string]string{"text": "forged by " + host}
		case "/follow":
			data.Action = siteURL + brUserPath(target) + "/follow"
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := brAttackPage.Execute(w, data); err != nil {
			t.Error(err)
		}
	}))
	t.Cleanup(srv.Close)
	return strings.Replace(srv.URL, "127.0.0.1", host, 1)
}

// brCrossSite has a signed-in user's browser send state-changing requests
// from other origins, as forged forms and links do. Each must be answered
// 403, logged as refused and change nothing, while the user's own requests
// keep working.
func brCrossSite(t *testing.T, browser context.Context, s *brSite) {
	const (
		victim   = "Vïctim Üser"
		password = `se"cr'et\`
		target   = "Target Person"
	)
	s.seedUser(t, target, "follow me")
	otherSite := brStartAttacker(t, "localhost", s.URL, target)
	otherPort := brStartAttacker(t, "127.0.0.1", s.URL, target)
	followPath := brUserPath(target) + "/follow"
	u := brNewProfile(t, browser, false)

	brExpectPage(t, u, u.open(s.URL+"/public"), "Public Timeline")
	brExpectPage(t, u, brSignUp(t, u, victim, "victim@example.org", password), "Sign In")
	brExpectPage(t, u, brSignIn(t, u, victim, password), "My Timeline")

	// With scripts off the forged form stays put: the tabs of the other
	// checks really run no JavaScript.
	t.Run("ScriptsOff", func(t *testing.T) {
		u.open(otherSite + "/post")
		if got := u.title(); got != "Win a prize" {
			t.Errorf("a script ran in a tab with JavaScript off: page %q", got)
		}
		if r, ok := s.requests.find(http.MethodPost, "/add_message"); ok {
			t.Fatalf("a tab with JavaScript off submitted a form by itself: %+v", r)
		}
	})

	// Forms that submit themselves from another site, and from another
	// port of this host (same site, other origin). The tab with scripts on
	// shares the victim's cookies.
	a := u.newTab(true)
	for _, c := range []struct {
		name, origin, page, path, fetchSite, route string
	}{
		{"OtherSiteForm/Post", otherSite, "/post", "/add_message", "cross-site", "/add_message"},
		{"OtherSiteForm/Follow", otherSite, "/follow", followPath, "cross-site", "/:username/follow"},
		{"OtherPortForm/Post", otherPort, "/post", "/add_message", "same-site", "/add_message"},
		{"OtherPortForm/Follow", otherPort, "/follow", followPath, "same-site", "/:username/follow"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s.requests.forget()
			a.start(c.origin + c.page)
			r := s.requests.await(t, http.MethodPost, c.path)
			if got, ok := a.awaitTitle("Forbidden | MiniTwit"); !ok {
				t.Errorf("POST %s from %s shows %q", c.path, c.origin, got)
			}
			if r.FetchSite != c.fetchSite {
				t.Errorf("POST %s from %s: Sec-Fetch-Site %q, want %q", c.path, c.origin, r.FetchSite, c.fetchSite)
			}
			if r.Status != http.StatusForbidden {
				t.Errorf("POST %s from %s: status %d, want 403", c.path, c.origin, r.Status)
			}
			want := brRefusal{Msg: "refused cross-site request", RequestID: r.ID, Route: c.route, SecFetchSite: c.fetchSite}
			if got := s.refusalLogged(t, r.ID); got != want {
				t.Errorf("refusal logged as %+v, want %+v", got, want)
			}
		})
	}

	// Links on another site lead to GET follow and logout. The browser
	// sends the Lax session cookie with such top-level navigations, so
	// only the cross-site check stands between them and a state change.
	brExpectPage(t, u, u.open(s.URL+"/"), "My Timeline")
	for _, c := range []struct{ name, link, path, route string }{
		{"OtherSiteLink/Follow", "#follow", followPath, "/:username/follow"},
		{"OtherSiteLink/Logout", "#logout", "/logout", "/logout"},
	} {
		t.Run(c.name, func(t *testing.T) {
			u.open(otherSite + "/")
			s.requests.forget()
			if status := u.click("a" + c.link); status != http.StatusForbidden {
				t.Errorf("link %s from another site: status %d, want 403", c.link, status)
			}
			if got := u.title(); got != "Forbidden | MiniTwit" {
				t.Errorf("link %s from another site shows %q", c.link, got)
			}
			brExpectAt(t, u, s.URL+c.path)
			r, ok := s.requests.find(http.MethodGet, c.path)
			if !ok || r.FetchSite != "cross-site" || r.Status != http.StatusForbidden {
				t.Fatalf("link %s: request %+v, want a cross-site GET %s answered 403", c.link, r, c.path)
			}
			want := brRefusal{Msg: "refused cross-site request", RequestID: r.ID, Route: c.route, SecFetchSite: "cross-site"}
			if got := s.refusalLogged(t, r.ID); got != want {
				t.Errorf("refusal logged as %+v, want %+v", got, want)
			}
		})
	}

	// Nothing changed: no message, no follow, still signed in.
	t.Run("NothingChanged", func(t *testing.T) {
		for _, m := range s.publicMessages(t) {
			if m.User == victim {
				t.Errorf("a forged request posted %q", m.Content)
			}
		}
		if got := s.follows(t, victim); len(got) != 0 {
			t.Errorf("after forged follows %q follows %q", victim, got)
		}
		brExpectPage(t, u, u.open(s.URL+"/"), "My Timeline")
		if got := u.text(".twitbox h3"); got != "What's on your mind "+victim+"?" {
			t.Errorf("after a forged logout the home page shows %q; the user was signed out", got)
		}
	})

	// The same actions from MiniTwit's own pages still work.
	t.Run("OwnPagesWork", func(t *testing.T) {
		brExpectPage(t, u, u.open(s.URL+"/"), "My Timeline")
		brExpectPage(t, u, u.click(`nav a[href="/public"]`), "Public Timeline")
		brExpectPage(t, u, u.click(`ul.messages a[href="`+brUserPath(target)+`"]`), target+"'s Timeline")
		brExpectPage(t, u, u.click(".followstatus button"), target+"'s Timeline")
		brExpectFlashes(t, u, `You are now following "`+target+`"`)
		if r, _ := s.requests.find(http.MethodPost, followPath); r.FetchSite != "same-origin" || r.Status != http.StatusFound {
			t.Errorf("own follow form: %+v, want same-origin and 302", r)
		}
		if got := s.follows(t, victim); len(got) != 1 || got[0] != target {
			t.Errorf("after the own follow form %q follows %q, want only %q", victim, got, target)
		}
	})
}
