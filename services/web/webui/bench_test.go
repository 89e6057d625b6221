package webui_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"minitwit/shared/domain"
	"minitwit/shared/storetest"
	"minitwit/web/webui"
)

// benchMessages fills a timeline deep enough for page 1000.
const benchMessages = 30*1000 + 30

// BenchmarkPublicTimeline renders the public timeline through the full
// engine. Page 1000 should cost what page 1 does: the cursor enters the
// (pub_date, id) index instead of skipping rows.
//
//	go test -run '^$' -bench PublicTimeline -benchmem ./webui/
func BenchmarkPublicTimeline(b *testing.B) {
	for _, db := range storetest.Open(b) {
		b.Run(db.Name, func(b *testing.B) {
			seed(b, db)
			r, _ := newEngine(b, db, io.Discard)
			var date, id int64
			row := db.QueryRow(b, "SELECT pub_date, id FROM messages ORDER BY pub_date DESC, id DESC LIMIT 1 OFFSET ?", 999*30-1)
			if err := row.Scan(&date, &id); err != nil {
				b.Fatal(err)
			}
			for _, page := range []struct{ name, path string }{
				{"page1", "/public"},
				{"page1000", fmt.Sprintf("/public?before=%d_%d", date, id)},
			} {
				b.Run(page.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						w := httptest.NewRecorder()
						r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, page.path, nil))
						if w.Code != http.StatusOK || strings.Count(w.Body.String(), "<li><img") != 30 {
							b.Fatalf("status %d, not a full page", w.Code)
						}
					}
				})
			}
		})
	}
}

// BenchmarkRenderTimeline is the web's own cost of a timeline page: the
// handler, the template and the response, with messages from memory instead
// of a database, so ns/op and allocs are what the service adds on top of the
// query (compare BenchmarkPublicTimeline and the store's BenchmarkStore).
//
//	go test -run '^$' -bench RenderTimeline -benchmem ./webui/
func BenchmarkRenderTimeline(b *testing.B) {
	db := storetest.Open(b)[0]
	r, _ := newEngine(b, db, io.Discard, func(d *webui.Deps) { d.Messages = newCannedMessages(pageSize + 1) })
	for _, page := range []struct{ name, path string }{
		{"public", "/public"},
		{"public-older", "/public?before=1600000000_12345"},
	} {
		b.Run(page.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, page.path, nil))
				if w.Code != http.StatusOK || strings.Count(w.Body.String(), "<li><img") != pageSize {
					b.Fatalf("status %d, not a full page", w.Code)
				}
			}
		})
	}
}

// pageSize is the web's messages per page.
const pageSize = 30

// cannedMessages is a MessageStore whose timelines are always the same
// messages, with text that needs escaping as real ones do.
type cannedMessages []domain.Message

func newCannedMessages(n int) cannedMessages {
	out := make(cannedMessages, n)
	for i := range out {
		out[i] = domain.Message{
			ID: int64(1000 - i), AuthorID: int64(1 + i%7), Author: fmt.Sprintf("user %d", 1+i%7),
			Email:   fmt.Sprintf("u%d@example.com", 1+i%7),
			Text:    fmt.Sprintf("message %d with some “text” & <markup> 😀", i),
			PubDate: time.Unix(1_600_000_000-int64(i)*60, 0),
		}
	}
	return out
}

func (n cannedMessages) PostMessage(context.Context, int64, string, time.Time) (domain.Message, error) {
	return domain.Message{}, nil
}

func (n cannedMessages) PublicTimeline(context.Context, domain.Page) ([]domain.Message, error) {
	return n, nil
}

func (n cannedMessages) UserTimeline(context.Context, int64, domain.Page) ([]domain.Message, error) {
	return n, nil
}

func (n cannedMessages) HomeTimeline(context.Context, int64, domain.Page) ([]domain.Message, error) {
	return n, nil
}

// seed inserts benchMessages messages by 100 users in batches, far faster
// than one PostMessage each.
func seed(b *testing.B, db storetest.DB) {
	b.Helper()
	const users = 100
	for i := 1; i <= users; i++ {
		db.Exec(b, "INSERT INTO users (username, email, pw_hash) VALUES (?, ?, 'x')",
			fmt.Sprintf("user %d", i), fmt.Sprintf("u%d@example.com", i))
	}
	const batch = 500
	for start := 0; start < benchMessages; start += batch {
		var sb strings.Builder
		args := []any{}
		sb.WriteString("INSERT INTO messages (author_id, text, pub_date, flagged) VALUES ")
		for i := start; i < min(start+batch, benchMessages); i++ {
			if i > start {
				sb.WriteString(",")
			}
			sb.WriteString("(?, ?, ?, ?)")
			args = append(args, 1+i%users, fmt.Sprintf("message %d with some “text” & <markup>", i), 1_600_000_000+i/3, i%50 == 0)
		}
		db.Exec(b, sb.String(), args...)
	}
}
