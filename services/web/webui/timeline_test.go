package webui_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"minitwit/shared/storetest"
)

var t0 = time.Date(2024, 3, 5, 7, 9, 59, 0, time.UTC)

func TestHomeTimeline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		c, me := a.signedIn("me")
		friend := a.createUser("friend", "f@example.com", "pw")
		stranger := a.createUser("stranger", "s@example.com", "pw")
		a.postAt(me, "mine, oldest", t0)
		a.postAt(friend, "friend's", t0.Add(time.Minute))
		a.postAt(stranger, "stranger's", t0.Add(2*time.Minute))
		a.postAt(me, "mine, newest", t0.Add(3*time.Minute))
		if err := db.Store.Follow(context.Background(), "me", "friend"); err != nil {
			t.Fatal(err)
		}

		t.Run("signed out redirects to the public timeline", func(t *testing.T) {
			wantRedirect(t, a.client().get("/"), "/public")
		})
		t.Run("own and followed messages, newest first", func(t *testing.T) {
			r := c.get("/")
			wantStatus(t, r, 200)
			want := []string{"mine, newest", "friend's", "mine, oldest"}
			if diff := cmp.Diff(want, texts(timeline(t, r.Body))); diff != "" {
				t.Errorf("home timeline (-want +got):\n%s", diff)
			}
			mustContain(t, r.Body, "<h2>My Timeline</h2>")
		})
		t.Run("share box", func(t *testing.T) {
			r := c.get("/")
			mustContain(t, r.Body, "What's on your mind me?")
			if diff := cmp.Diff([]string{"text"}, formFields(t, r.Body, "/add_message")); diff != "" {
				t.Errorf("share form fields (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]link{{"Share", "/add_message"}}, buttons(t, r.Body)); diff != "" {
				t.Errorf("share button (-want +got):\n%s", diff)
			}
			form := findAll(parse(t, r.Body), element("form", "action", "/add_message"))
			if len(form) != 1 || !strings.EqualFold(attr(form[0], "method"), "post") {
				t.Errorf("share form must POST to /add_message")
			}
		})
		t.Run("no share box elsewhere", func(t *testing.T) {
			for _, p := range []string{"/public", "/me", "/friend"} {
				mustNotContain(t, c.get(p).Body, "What's on your mind")
			}
		})
	})
}

func TestPublicTimeline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		c := a.client()
		t.Run("empty", func(t *testing.T) {
			r := c.get("/public")
			wantStatus(t, r, 200)
			mustContain(t, r.Body, "There's no message so far.", "<h2>Public Timeline</h2>")
		})
		x := a.createUser("x", "x@example.com", "pw")
		y := a.createUser("y", "y@example.com", "pw")
		a.postAt(x, "first", t0)
		a.postAt(y, "second", t0.Add(time.Second))
		a.postAt(x, "third, same second", t0.Add(time.Second))
		t.Run("everyone, newest first, later post first within a second", func(t *testing.T) {
			r := c.get("/public")
			want := []string{"third, same second", "second", "first"}
			if diff := cmp.Diff(want, texts(timeline(t, r.Body))); diff != "" {
				t.Errorf("public timeline (-want +got):\n%s", diff)
			}
			mustNotContain(t, r.Body, "There's no message so far.")
		})
	})
}

func TestUserTimeline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		c, me := a.signedIn("me")
		foo := a.createUser("foo", "foo@example.com", "pw")
		a.postAt(foo, "foo 1", t0)
		a.postAt(me, "me 1", t0.Add(time.Second))
		a.postAt(foo, "foo 2", t0.Add(2*time.Second))

		follow := []link{{"Follow user", "/foo/follow"}}
		unfollow := []link{{"Unfollow user", "/foo/unfollow"}}
		tests := []struct {
			name        string
			c           *client
			path        string
			wantTexts   []string
			wantStatus  string
			absent      []string
			wantButtons []link
		}{
			{"signed out", a.client(), "/foo", []string{"foo 2", "foo 1"}, "",
				[]string{"This is you!", "following this user", "Follow user"}, nil},
			{"not following", c, "/foo", []string{"foo 2", "foo 1"}, "You are not yet following this user.",
				[]string{"This is you!", "You are currently following"}, follow},
			{"own page", c, "/me", []string{"me 1"}, "This is you!",
				[]string{"following this user", "Follow user"}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := tt.c.get(tt.path)
				wantStatus(t, r, 200)
				if diff := cmp.Diff(tt.wantTexts, texts(timeline(t, r.Body))); diff != "" {
					t.Errorf("messages (-want +got):\n%s", diff)
				}
				if tt.wantStatus != "" {
					mustContain(t, r.Body, tt.wantStatus)
				}
				mustNotContain(t, r.Body, tt.absent...)
				if diff := cmp.Diff(tt.wantButtons, buttons(t, r.Body)); diff != "" {
					t.Errorf("controls (-want +got):\n%s", diff)
				}
				mustContain(t, r.Body, "<h2>"+strings.TrimPrefix(tt.path, "/")+"'s Timeline</h2>")
			})
		}
		t.Run("following", func(t *testing.T) {
			if err := db.Store.Follow(context.Background(), "me", "foo"); err != nil {
				t.Fatal(err)
			}
			r := c.get("/foo")
			mustContain(t, r.Body, "You are currently following this user.")
			mustNotContain(t, r.Body, "You are not yet following")
			if diff := cmp.Diff(unfollow, buttons(t, r.Body)); diff != "" {
				t.Errorf("controls (-want +got):\n%s", diff)
			}
			for _, f := range findAll(parse(t, r.Body), element("form", "action", "/foo/unfollow")) {
				if !strings.EqualFold(attr(f, "method"), "post") {
					t.Errorf("the unfollow control must be a POST form")
				}
			}
		})
		t.Run("unknown user", func(t *testing.T) {
			r := c.get("/nobody")
			wantStatus(t, r, http.StatusNotFound)
			mustNotContain(t, r.Body, "<ul class=messages>")
		})
	})
}

// Each message: the author's avatar from this site (avatar_test.go), the
// author linking to their page, the text, the UTC time as YYYY-MM-DD @ HH:MM.
func TestMessageRendering(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		email := "  Mixed.Case@Example.COM "
		u := a.createUser("Jane Doe", email, "pw")
		// A time given in another zone still shows in UTC.
		at := t0.In(time.FixedZone("UTC+5", 5*3600))
		a.postAt(u, `quotes "double" 'single' “typographic” — dash & ampersand`, at)

		for _, path := range []string{"/public", "/Jane%20Doe"} {
			r := a.client().get(path)
			got := timeline(t, r.Body)
			if len(got) == 1 && avatarSrc.MatchString(got[0].Avatar) {
				got[0].Avatar = "(local)"
			}
			want := []shown{{
				Author: "Jane Doe", AuthorHref: "/Jane%20Doe", Avatar: "(local)",
				Text: `quotes "double" 'single' “typographic” — dash & ampersand`,
				Time: "2024-03-05 @ 07:09",
			}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", path, diff)
			}
			mustContain(t, r.Body, "2024-03-05 @ 07:09")
		}
	})
}

// A posted "<test message 2>" comes back escaped, never as markup.
func TestHTMLInjection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		c, _ := a.signedIn("me")
		for _, text := range []string{"test message 1", "<test message 2>", `<script>alert("x")</script>`, `"><img src=x onerror=alert(1)>`} {
			wantRedirect(t, c.post("/add_message", map[string][]string{"text": {text}}), "/")
		}
		for _, path := range []string{"/", "/public", "/me"} {
			r := c.get(path)
			mustContain(t, r.Body, "test message 1", "&lt;test message 2&gt;",
				"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;", "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;")
			mustNotContain(t, r.Body, "<test message 2>", "<script>", "<img src=x")
		}
	})
}

// Moderated messages appear in no timeline.
func TestFlaggedMessagesHidden(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		c, me := a.signedIn("me")
		a.postAt(me, "visible", t0)
		bad := a.postAt(me, "moderated away", t0.Add(time.Second))
		db.Exec(t, "UPDATE messages SET flagged = ? WHERE id = ?", true, bad.ID)
		for _, path := range []string{"/", "/public", "/me"} {
			r := c.get(path)
			if diff := cmp.Diff([]string{"visible"}, texts(timeline(t, r.Body))); diff != "" {
				t.Errorf("%s (-want +got):\n%s", path, diff)
			}
		}
	})
}
