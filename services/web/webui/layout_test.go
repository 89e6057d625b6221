package webui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"

	"minitwit/shared/storetest"
)

// Every page: "<title> | MiniTwit", the MiniTwit heading, the navigation
// for the session state, a footer.
func TestLayout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		a.createUser("foo", "foo@example.com", "pw")
		out := a.client()
		in, _ := a.signedIn("me")

		signedOutNav := []link{{"public timeline", "/public"}, {"sign up", "/register"}, {"sign in", "/login"}}
		signedInNav := []link{{"my timeline", "/"}, {"public timeline", "/public"}, {"settings", "/settings"}, {"sign out [me]", "/logout"}}
		tests := []struct {
			name      string
			c         *client
			path      string
			status    int
			wantTitle string
			wantNav   []link
		}{
			{"public signed out", out, "/public", 200, "Public Timeline | MiniTwit", signedOutNav},
			{"public signed in", in, "/public", 200, "Public Timeline | MiniTwit", signedInNav},
			{"home signed in", in, "/", 200, "My Timeline | MiniTwit", signedInNav},
			{"user page signed out", out, "/foo", 200, "foo's Timeline | MiniTwit", signedOutNav},
			{"user page signed in", in, "/foo", 200, "foo's Timeline | MiniTwit", signedInNav},
			{"sign in", out, "/login", 200, "Sign In | MiniTwit", signedOutNav},
			{"sign up", out, "/register", 200, "Sign Up | MiniTwit", signedOutNav},
			{"unknown user", out, "/nobody", 404, "Page Not Found | MiniTwit", signedOutNav},
			{"unknown user signed in", in, "/nobody", 404, "Page Not Found | MiniTwit", signedInNav},
			{"no such route", in, "/a/b/c", 404, "Page Not Found | MiniTwit", signedInNav},
			{"signed out follow", out, "/foo/follow", 401, "Sign In Required | MiniTwit", signedOutNav},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := tt.c.get(tt.path)
				wantStatus(t, r, tt.status)
				if ct := r.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
					t.Errorf("Content-Type %q", ct)
				}
				if got := title(t, r.Body); got != tt.wantTitle {
					t.Errorf("title %q, want %q", got, tt.wantTitle)
				}
				if diff := cmp.Diff(tt.wantNav, navLinks(t, r.Body)); diff != "" {
					t.Errorf("navigation (-want +got):\n%s", diff)
				}
				mustContain(t, r.Body, "<h1>MiniTwit</h1>", "<footer class=footer>")
			})
		}
	})
}

// The navigation is written " | "-separated, the way it reads.
func TestNavigationText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		in, _ := a.signedIn("me")
		out := a.client()
		for _, tt := range []struct {
			c    *client
			want string
		}{
			{out, "public timeline | sign up | sign in"},
			{in, "my timeline | public timeline | settings | sign out [me]"},
		} {
			nav := findAll(parse(t, tt.c.get("/public").Body), element("nav", "class", "navigation"))
			if len(nav) != 1 || text(nav[0]) != tt.want {
				t.Errorf("navigation text, want %q", tt.want)
			}
		}
	})
}

// A name with markup is escaped in the navigation and the share box.
func TestViewerNameEscaped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		c, _ := a.signedIn(`<b>"x"</b>`)
		r := c.get("/")
		mustContain(t, r.Body, "sign out [&lt;b&gt;&#34;x&#34;&lt;/b&gt;]", "What's on your mind &lt;b&gt;&#34;x&#34;&lt;/b&gt;?")
		mustNotContain(t, r.Body, "<b>")
	})
}

func TestNotFoundPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		a.createUser("foo", "foo@example.com", "pw")
		in, _ := a.signedIn("me")
		tests := []struct {
			method, path string
		}{
			{"GET", "/nobody"},
			{"GET", "/nobody/follow"},
			{"POST", "/nobody/follow"},
			{"GET", "/nobody/unfollow"},
			{"POST", "/nobody/unfollow"},
			{"GET", "/foo/bar/baz"},
			{"POST", "/public"},
			{"PUT", "/foo"},
			{"GET", "/foo/"},
			{"GET", "/%FF%FE"},
			{"GET", "/nul%00byte/follow"},
		}
		for _, tt := range tests {
			t.Run(tt.method+" "+tt.path, func(t *testing.T) {
				r := in.do(tt.method, tt.path, url.Values{}, nil)
				wantStatus(t, r, http.StatusNotFound)
				if got := title(t, r.Body); got != "Page Not Found | MiniTwit" {
					t.Errorf("title %q", got)
				}
			})
		}
	})
}

// A panic ends in the clean 500 page, without internal detail.
func TestInternalErrorPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		r := a.client().get("/api/boom")
		wantStatus(t, r, http.StatusInternalServerError)
		if got := title(t, r.Body); got != "Internal Error | MiniTwit" {
			t.Errorf("title %q", got)
		}
		mustNotContain(t, r.Body, "boom", "goroutine", "secret internal detail")
		if !strings.Contains(a.logs.String(), "panic serving request") {
			t.Errorf("panic not logged")
		}
	})
}

// The UI shares an engine with the API: "/api/..." routes and "/:username"
// both resolve.
func TestCoexistsWithAPIGroup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		a.createUser("apiuser", "a@example.com", "pw")
		c := a.client()
		r := c.get("/api/msgs")
		wantStatus(t, r, 200)
		if r.Body != "[]" {
			t.Errorf("/api/msgs answered %q", r.Body)
		}
		wantStatus(t, c.get("/apiuser"), 200)
	})
}

func TestStyleSheet(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		c := a.client()
		page := c.get("/public")
		links := findAll(parse(t, page.Body), element("link", "rel", "stylesheet"))
		if len(links) != 1 {
			t.Fatalf("%d stylesheets", len(links))
		}
		href := attr(links[0], "href")
		if !strings.HasPrefix(href, "/static/style.css") {
			t.Fatalf("stylesheet at %q: only this site's assets may load", href)
		}
		r := c.get(href)
		wantStatus(t, r, 200)
		if ct := r.Header.Get("Content-Type"); ct != "text/css; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		mustContain(t, r.Body, ".flashes", "@media")
		// No other asset: the avatars are this site's (avatar_test.go).
		for _, n := range findAll(parse(t, page.Body), func(n *html.Node) bool { return attr(n, "src") != "" }) {
			t.Errorf("unexpected asset %q", attr(n, "src"))
		}
		mustNotContain(t, page.Body, "<script")
	})
}
