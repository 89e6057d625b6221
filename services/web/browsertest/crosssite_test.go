package browsertest

import (
	"context"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"minitwit/shared/domain"
)

// attackPage is another site's page aimed at a signed-in MiniTwit user:
// a form that submits itself when scripts run, and plain links.
var attackPage = template.Must(template.New("attack").Parse(`<!doctype html>
<title>Win a prize</title>
{{if .Action}}<form id=f method=post action="{{.Action}}">
{{range $k, $v := .Fields}}<input type=hidden name="{{$k}}" value="{{$v}}">{{end}}
<button>Claim your prize</button></form>
<script>document.getElementById("f").submit()</script>{{end}}
<p><a id=follow href="{{.Site}}{{.TargetPath}}/follow">See the prize</a>
<p><a id=logout href="{{.Site}}/logout">Log out everywhere</a>
`))

// startAttacker serves attack pages on 127.0.0.1 and returns their origin
// under host, so that "localhost" makes a site other than MiniTwit's
// 127.0.0.1 while "127.0.0.1" makes the same site on another port.
func startAttacker(t *testing.T, host, siteURL, target string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data := struct {
			Site, TargetPath, Action string
			Fields                   map[string]string
		}{Site: siteURL, TargetPath: userPath(target)}
		switch r.URL.Path {
		case "/post":
			data.Action = siteURL + "/add_message"
			data.Fields = map[string]string{"text": "forged by " + host}
		case "/follow":
			data.Action = siteURL + userPath(target) + "/follow"
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := attackPage.Execute(w, data); err != nil {
			t.Error(err)
		}
	}))
	t.Cleanup(srv.Close)
	return strings.Replace(srv.URL, "127.0.0.1", host, 1)
}

// TestCrossSiteRequestsRefused has a signed-in user's browser send
// state-changing requests from other origins, as forged forms and links
// do. Each must be answered 403 and change nothing, while the user's own
// requests keep working.
func TestCrossSiteRequestsRefused(t *testing.T) {
	const (
		victim   = "Vïctim Üser"
		password = `se"cr'et\`
		target   = "Target Person"
	)
	browser := startBrowser(t)
	s := startSite(t)
	s.seedUser(t, target, "follow me")
	otherSite := startAttacker(t, "localhost", s.URL, target)
	otherPort := startAttacker(t, "127.0.0.1", s.URL, target)
	u := newTab(t, browser, false)

	expectPage(t, u, u.open(s.URL+"/public"), "Public Timeline")
	expectPage(t, u, signUp(t, u, victim, "victim@example.org", password), "Sign In")
	expectPage(t, u, signIn(t, u, victim, password), "My Timeline")
	followPath := userPath(target) + "/follow"

	// With scripts off the forged form stays put: the tabs of the other
	// tests really run no JavaScript.
	u.open(otherSite + "/post")
	if got := u.title(); got != "Win a prize" {
		t.Errorf("a script ran in a tab with JavaScript off: page %q", got)
	}
	if r, ok := s.requests.find(http.MethodPost, "/add_message"); ok {
		t.Fatalf("a tab with JavaScript off submitted a form by itself: %+v", r)
	}

	// Forms that submit themselves from another site, and from another
	// port of this host (same site, other origin).
	a := newTab(t, browser, true)
	for _, c := range []struct {
		origin, page, path, fetchSite string
	}{
		{otherSite, "/post", "/add_message", "cross-site"},
		{otherSite, "/follow", followPath, "cross-site"},
		{otherPort, "/post", "/add_message", "same-site"},
		{otherPort, "/follow", followPath, "same-site"},
	} {
		a.start(c.origin + c.page)
		r := s.requests.await(t, http.MethodPost, c.path)
		if got, ok := a.awaitTitle("Forbidden | MiniTwit", 3*time.Second); !ok {
			t.Errorf("POST %s from %s shows %q", c.path, c.origin, got)
		}
		if r.FetchSite != c.fetchSite {
			t.Errorf("POST %s from %s: Sec-Fetch-Site %q, want %q", c.path, c.origin, r.FetchSite, c.fetchSite)
		}
		if r.Status != http.StatusForbidden {
			t.Errorf("POST %s from %s: status %d, want 403", c.path, c.origin, r.Status)
		}
		s.requests.forget()
	}

	// Links on another site lead to GET follow and logout. The browser
	// sends the Lax session cookie with such top-level navigations, so
	// only the cross-site check stands between them and a state change.
	expectPage(t, u, u.open(s.URL+"/"), "My Timeline")
	u.open(otherSite + "/")
	for _, link := range []string{"#follow", "#logout"} {
		if status := u.click("a" + link); status != http.StatusForbidden {
			t.Errorf("link %s from another site: status %d, want 403", link, status)
		}
		if got := u.title(); got != "Forbidden | MiniTwit" {
			t.Errorf("link %s from another site shows %q", link, got)
		}
		if r, _ := s.requests.find(http.MethodGet, strings.TrimPrefix(u.location(), s.URL)); r.FetchSite != "cross-site" {
			t.Errorf("link %s: Sec-Fetch-Site %q, want cross-site", link, r.FetchSite)
		}
		u.open(otherSite + "/")
	}

	// Nothing changed: no message, no follow, still signed in.
	ctx := context.Background()
	msgs, err := s.store.PublicTimeline(ctx, domain.Page{Limit: 30})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Author == victim {
			t.Errorf("a forged request posted %q", m.Text)
		}
	}
	if following, err := s.store.IsFollowing(ctx, victim, target); err != nil || following {
		t.Errorf("after forged follows: following=%v err=%v, want not following", following, err)
	}
	expectPage(t, u, u.open(s.URL+"/"), "My Timeline")
	if got := u.text(".twitbox h3"); got != "What's on your mind "+victim+"?" {
		t.Errorf("after a forged logout the home page shows %q; the user was signed out", got)
	}

	// The same actions from MiniTwit's own pages still work.
	expectPage(t, u, u.click(`nav a[href="/public"]`), "Public Timeline")
	expectPage(t, u, u.click(`ul.messages a[href="`+userPath(target)+`"]`), target+"'s Timeline")
	expectPage(t, u, u.click(".followstatus button"), target+"'s Timeline")
	expectFlashes(t, u, `You are now following "`+target+`"`)
	if r, _ := s.requests.find(http.MethodPost, followPath); r.FetchSite != "same-origin" || r.Status != http.StatusFound {
		t.Errorf("own follow form: %+v, want same-origin and 302", r)
	}
}
