package webui_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"minitwit/shared/storetest"
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
