package webui

import (
	"strings"
	"testing"
	"time"

	"minitwit/shared/domain"
)

// TestMessageHTMLFollowsTheRow: a remembered fragment is used only while the
// row it was made from is unchanged; a row that differs in any input (a
// renamed author, another author, edited text, another time) renders anew.
func TestMessageHTMLFollowsTheRow(t *testing.T) {
	pg, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	r := newMessageHTML(pg.timeline.Lookup("message"), newAvatars([]byte("test-session-key-0123456789abcdef")))
	base := domain.Message{ID: 7, AuthorID: 3, Author: "ann", Email: "ann@example.com", Text: "hello <b>", PubDate: time.Unix(1_700_000_000, 0)}
	render := func(m domain.Message) string {
		t.Helper()
		out, err := r.render([]domain.Message{m})
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	first := render(base)
	if !strings.Contains(first, "hello &lt;b&gt;") || !strings.Contains(first, `href="/ann"`) {
		t.Fatalf("fragment:\n%s", first)
	}
	if again := render(base); again != first {
		t.Errorf("same row rendered differently:\n%s\n%s", first, again)
	}
	changed := []func(*domain.Message){
		func(m *domain.Message) { m.Author = "bob" },
		func(m *domain.Message) { m.AuthorID = 4 },
		func(m *domain.Message) { m.Text = "edited" },
		func(m *domain.Message) { m.PubDate = m.PubDate.Add(time.Hour) },
	}
	for i, change := range changed {
		m := base
		change(&m)
		got := render(m)
		fresh := newMessageHTML(pg.timeline.Lookup("message"), newAvatars([]byte("test-session-key-0123456789abcdef")))
		want, err := fresh.render([]domain.Message{m})
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) || got == first {
			t.Errorf("change %d: remembered fragment used for a changed row:\n%s", i, got)
		}
	}
	// Past the size bound the oldest generation goes; memory stays bounded.
	for id := range int64(3 * messageMemoSize) {
		m := base
		m.ID = id + 100
		r.render([]domain.Message{m})
	}
	if n := len(r.cur) + len(r.old); n > 2*messageMemoSize {
		t.Errorf("%d fragments remembered, bound %d", n, 2*messageMemoSize)
	}
}
