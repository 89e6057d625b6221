package webui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"minitwit/shared/domain"
	"minitwit/shared/storetest"
)

func publicTexts(t *testing.T, db storetest.DB) []string {
	t.Helper()
	msgs, err := db.Store.PublicTimeline(context.Background(), domain.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, m := range msgs {
		out = append(out, m.Text)
	}
	return out
}

func TestAddMessage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		c, me := a.signedIn("me")

		t.Run("stores, flashes, redirects home", func(t *testing.T) {
			before := time.Now().Add(-time.Second)
			r := c.post("/add_message", url.Values{"text": {"hello “world” — ok"}})
			wantRedirect(t, r, "/")
			page := c.follow(r)
			mustContain(t, page.Body, flashBox("Your message was recorded"))
			if diff := cmp.Diff([]string{"hello “world” — ok"}, texts(timeline(t, page.Body))); diff != "" {
				t.Errorf("home timeline (-want +got):\n%s", diff)
			}
			msgs, err := db.Store.UserTimeline(context.Background(), me.ID, domain.Page{Limit: 10})
			if err != nil || len(msgs) != 1 {
				t.Fatalf("stored messages %v, %v", msgs, err)
			}
			if msgs[0].PubDate.Before(before.Truncate(time.Second)) || msgs[0].PubDate.After(time.Now()) {
				t.Errorf("stored at %v, not now", msgs[0].PubDate)
			}
		})
		t.Run("empty text stores nothing and flashes nothing", func(t *testing.T) {
			r := c.post("/add_message", url.Values{"text": {""}})
			wantRedirect(t, r, "/")
			page := c.follow(r)
			mustNotContain(t, page.Body, "<ul class=flashes>")
			r = c.post("/add_message", url.Values{})
			wantRedirect(t, r, "/")
			mustNotContain(t, c.follow(r).Body, "<ul class=flashes>")
			if diff := cmp.Diff([]string{"hello “world” — ok"}, publicTexts(t, db)); diff != "" {
				t.Errorf("stored (-want +got):\n%s", diff)
			}
		})
		t.Run("signed out is 401", func(t *testing.T) {
			r := a.client().post("/add_message", url.Values{"text": {"anonymous"}})
			wantStatus(t, r, http.StatusUnauthorized)
			mustContain(t, r.Body, `<a href="/login">Sign in</a>`)
			if diff := cmp.Diff([]string{"hello “world” — ok"}, publicTexts(t, db)); diff != "" {
				t.Errorf("stored (-want +got):\n%s", diff)
			}
		})
		t.Run("GET is not a route", func(t *testing.T) {
			wantStatus(t, c.get("/add_message?text=x"), http.StatusNotFound)
		})
		t.Run("text only from the body", func(t *testing.T) {
			wantRedirect(t, c.post("/add_message?text=from+query", url.Values{}), "/")
			if diff := cmp.Diff([]string{"hello “world” — ok"}, publicTexts(t, db)); diff != "" {
				t.Errorf("stored (-want +got):\n%s", diff)
			}
		})
		t.Run("invalid UTF-8 and NUL are stored cleaned", func(t *testing.T) {
			wantRedirect(t, c.post("/add_message", url.Values{"text": {"bad \xff byte\x00"}}), "/")
			if got := publicTexts(t, db)[0]; got != "bad \uFFFD byte" {
				t.Errorf("stored %q", got)
			}
		})
		t.Run("a body over 1 MiB is 413", func(t *testing.T) {
			r := c.post("/add_message", url.Values{"text": {strings.Repeat("x", 2<<20)}})
			wantStatus(t, r, http.StatusRequestEntityTooLarge)
		})
		if got := testutil.ToFloat64(a.metrics.MessagesPosted.WithLabelValues("web")); got != 2 {
			t.Errorf("messages_posted{via=web} = %v, want 2", got)
		}
	})
}

// Messages are at most 1000 characters (domain.MaxMessageRunes), on the
// web as on the API: a longer one is refused with a flash saying so, and
// so is one holding control characters; whitespace alone counts as empty.
func TestAddMessageRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		a := newApp(t, db)
		c, _ := a.signedIn("me")
		longest := strings.Repeat("é", domain.MaxMessageRunes)
		r := c.post("/add_message", url.Values{"text": {longest}})
		wantRedirect(t, r, "/")
		mustContain(t, c.follow(r).Body, flashBox("Your message was recorded"))
		refused := map[string]string{
			longest + "x": "A message must be at most 1000 characters long",
			"bell\x07":    "A message must be valid text without control characters",
		}
		for text, flash := range refused {
			r := c.post("/add_message", url.Values{"text": {text}})
			wantRedirect(t, r, "/")
			mustContain(t, c.follow(r).Body, flashBox(flash))
		}
		r = c.post("/add_message", url.Values{"text": {" \r\n\t "}})
		wantRedirect(t, r, "/")
		mustNotContain(t, c.follow(r).Body, "<ul class=flashes>")
		if diff := cmp.Diff([]string{longest}, publicTexts(t, db)); diff != "" {
			t.Errorf("stored (-want +got):\n%s", diff)
		}
	})
}
