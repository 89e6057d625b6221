package webui_test

import (
	"net/http"
	"net/url"
	"testing"

	"minitwit/shared/storetest"
)

// Usernames hold spaces, any Unicode and URL-special characters; they stay
// one path segment in every link and redirect.
func TestUnusualUsernames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		viewer, _ := a.signedIn("viewer")
		names := []string{
			"Roger Histand",
			"Jürgen Größe",
			"名前 テスト",
			"a/b",
			"50% off?#top",
			`O'Brien "Q" <x>`,
			"dot.ted",
		}
		for _, name := range names {
			t.Run(name, func(t *testing.T) {
				path := "/" + url.PathEscape(name)
				c := a.client()
				wantRedirect(t, c.post("/register", url.Values{
					"username": {name}, "email": {"x@example.com"}, "password": {"pw-12345"}, "password2": {"pw-12345"},
				}), "/login")
				wantRedirect(t, c.post("/login", url.Values{"username": {name}, "password": {"pw-12345"}}), "/")
				wantRedirect(t, c.post("/add_message", url.Values{"text": {"hi from " + name}}), "/")

				page := c.get(path)
				wantStatus(t, page, 200)
				if got, want := title(t, page.Body), name+"'s Timeline | MiniTwit"; got != want {
					t.Errorf("title %q, want %q", got, want)
				}
				mustContain(t, page.Body, "This is you!")
				msgs := timeline(t, page.Body)
				if len(msgs) != 1 || msgs[0].Author != name || msgs[0].AuthorHref != path {
					t.Fatalf("timeline %+v, want one message by %q linking to %q", msgs, name, path)
				}

				for _, method := range []string{"GET", "POST"} {
					r := viewer.do(method, path+"/follow", nil, nil)
					wantRedirect(t, r, path)
					followed := viewer.follow(r)
					wantStatus(t, followed, 200)
					flashes := findAll(parse(t, followed.Body), element("ul", "class", "flashes"))
					if len(flashes) != 1 || text(flashes[0]) != `You are now following "`+name+`"` {
						t.Errorf("%s follow flash wrong:\n%s", method, followed.Body)
					}
					if !a.following("viewer", name) {
						t.Errorf("%s follow did not take", method)
					}
					wantRedirect(t, viewer.do(method, path+"/unfollow", nil, nil), path)
					if a.following("viewer", name) {
						t.Errorf("%s unfollow did not take", method)
					}
					viewer.get("/public") // show the unfollow flash
				}
				// The links on the page lead back to the same user.
				for _, b := range buttons(t, viewer.get(path).Body) {
					if b.Href != path+"/follow" {
						t.Errorf("control %q posts to %q", b.Text, b.Href)
					}
				}
			})
		}
		t.Run("unknown unusual name", func(t *testing.T) {
			wantStatus(t, viewer.get("/"+url.PathEscape("nobody at all")), http.StatusNotFound)
		})
	})
}
