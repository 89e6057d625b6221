package e2e

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// gwBrowser is a cookie-keeping client of the gateway that, like a browser
// form post, sends the page's Origin.
type gwBrowser struct {
	g      *Gateway
	client *http.Client
}

func (g *Gateway) newBrowser(t testing.TB) *gwBrowser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := *g.Client
	c.Jar = jar
	return &gwBrowser{g: g, client: &c}
}

// do sends a request; form, when not nil, is posted url-encoded.
func (b *gwBrowser) do(t testing.TB, method, path string, form url.Values, origin string) gwAnswer {
	t.Helper()
	var body string
	if form != nil {
		body = form.Encode()
	}
	req, err := http.NewRequest(method, b.g.HTTPSURL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	return gwDo(t, b.client, req)
}

// testGatewayWebRoutes follows one user's journey through the web UI behind
// the gateway (its steps depend on each other: run WebRoutes as a whole).
func testGatewayWebRoutes(t *testing.T, g *Gateway) {
	br := g.newBrowser(t)
	origin := g.HTTPSURL()
	user := fmt.Sprintf("web gw %d", time.Now().UnixNano())
	text := "hello from the gateway " + user
	type redirect struct {
		Status   int
		Location string
	}
	wantRedirect := func(t *testing.T, a gwAnswer, status int, to string) {
		t.Helper()
		if d := cmp.Diff(redirect{status, to}, redirect{a.Status, a.Location}); d != "" {
			t.Errorf("(-want +got):\n%s", d)
		}
	}
	wantPage := func(t *testing.T, a gwAnswer, needles ...string) {
		t.Helper()
		if a.Status != http.StatusOK {
			t.Fatalf("status %d, want 200", a.Status)
		}
		for _, n := range needles {
			if !strings.Contains(a.Body, n) {
				t.Errorf("page lacks %q", n)
			}
		}
	}

	t.Run("SignedOutRoot", func(t *testing.T) {
		wantRedirect(t, br.do(t, "GET", "/", nil, ""), http.StatusFound, origin+"/public")
	})
	t.Run("PublicTimeline", func(t *testing.T) {
		wantPage(t, br.do(t, "GET", "/public", nil, ""), "<title>Public Timeline | MiniTwit</title>")
	})
	t.Run("Register", func(t *testing.T) {
		form := url.Values{"username": {user}, "email": {"web@example.org"}, "password": {"pw-web-12"}, "password2": {"pw-web-12"}}
		wantRedirect(t, br.do(t, "POST", "/register", form, origin), http.StatusFound, origin+"/login")
	})
	t.Run("LoginSecureCookie", func(t *testing.T) {
		a := br.do(t, "POST", "/login", url.Values{"username": {user}, "password": {"pw-web-12"}}, origin)
		wantRedirect(t, a, http.StatusFound, origin+"/")
		if loc := a.Header.Get("Location"); loc != "/" {
			t.Errorf("Location %q, want /", loc)
		}
		resp := http.Response{Header: a.Header}
		cookies := resp.Cookies()
		if len(cookies) == 0 {
			t.Fatal("no session cookie set")
		}
		for _, c := range cookies {
			type flags struct {
				Secure, HttpOnly bool
				SameSite         http.SameSite
			}
			if d := cmp.Diff(flags{true, true, http.SameSiteLaxMode}, flags{c.Secure, c.HttpOnly, c.SameSite}); d != "" {
				t.Errorf("cookie %s flags (-want +got):\n%s", c.Name, d)
			}
		}
	})
	t.Run("SignedInTimeline", func(t *testing.T) {
		wantPage(t, br.do(t, "GET", "/", nil, ""), "<title>My Timeline | MiniTwit</title>", "You were logged in", "on your mind")
	})
	t.Run("AddMessage", func(t *testing.T) {
		a := br.do(t, "POST", "/add_message", url.Values{"text": {text}}, origin)
		if a.Status != http.StatusFound {
			t.Errorf("POST /add_message: %d, want 302", a.Status)
		}
		wantPage(t, br.do(t, "GET", "/public", nil, ""), text)
	})
	t.Run("ForeignOriginRefused", func(t *testing.T) {
		a := br.do(t, "POST", "/add_message", url.Values{"text": {"x"}}, "https://evil.example")
		if a.Status != http.StatusForbidden {
			id := a.Header.Get("X-Request-ID")
			t.Errorf("POST /add_message from https://evil.example: %d (Location %q), want 403; the web service logged:\n%s",
				a.Status, a.Location, strings.Join(gwServiceLines(g, "web", id), "\n"))
		}
	})
	t.Run("Logout", func(t *testing.T) {
		wantRedirect(t, br.do(t, "GET", "/logout", nil, ""), http.StatusFound, origin+"/public")
		wantRedirect(t, br.do(t, "GET", "/", nil, ""), http.StatusFound, origin+"/public")
	})
}
