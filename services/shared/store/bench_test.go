package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"minitwit/shared/domain"
	"minitwit/shared/store"
	"minitwit/shared/storetest"
)

// Shape of the benchmark dataset: a smaller copy of the seeded one of
// scripts/bench.sh, big enough that page 1,000 exists and that a scan
// instead of an index walk shows in ns/op.
const (
	benchUsers     = 3000
	benchMessages  = 60_000
	benchFollowing = 2000 // the heavy follower (id 2) follows users 3..2002
	popularID      = 1    // followed by everyone; author of every tenth message
	heavyID        = 2
)

// BenchmarkStore measures the store calls behind the hot endpoints on every
// database storetest provides (PostgreSQL when MINITWIT_TEST_PG_URL is set).
// The SQL is the service's: these are the same methods the handlers call.
//
//	MINITWIT_TEST_PG_URL=postgres://... go test -run '^$' -bench Store -benchmem ./services/shared/store
func BenchmarkStore(b *testing.B) {
	ctx := context.Background()
	for _, db := range storetest.Open(b) {
		b.Run(db.Name, func(b *testing.B) {
			s := db.Store
			fill(b, s)
			deep := cursorAt(b, db, 999*30-1)
			page := func(limit int, before *domain.Cursor) domain.Page {
				return domain.Page{Limit: limit, Before: before}
			}
			cases := []struct {
				name string
				call func() (int, error)
				want int
			}{
				{"public/page1", func() (int, error) { m, err := s.PublicTimeline(ctx, page(31, nil)); return len(m), err }, 31},
				{"public/page1000", func() (int, error) { m, err := s.PublicTimeline(ctx, page(31, &deep)); return len(m), err }, 31},
				{"api-msgs/no100", func() (int, error) { m, err := s.PublicTimeline(ctx, page(100, nil)); return len(m), err }, 100},
				{"user/popular", func() (int, error) { m, err := s.UserTimeline(ctx, popularID, page(31, nil)); return len(m), err }, 31},
				{"user/light", func() (int, error) { m, err := s.UserTimeline(ctx, benchUsers, page(31, nil)); return len(m), err }, -1},
				{"home/following2000", func() (int, error) { m, err := s.HomeTimeline(ctx, heavyID, page(31, nil)); return len(m), err }, 31},
				{"fllws/following2000", func() (int, error) { f, err := s.Following(ctx, name(heavyID), 100); return len(f), err }, 100},
				{"user-by-name", func() (int, error) { _, err := s.UserByName(ctx, name(benchUsers/2)); return 1, err }, 1},
			}
			for _, c := range cases {
				b.Run(c.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						n, err := c.call()
						if err != nil {
							b.Fatal(err)
						}
						if c.want >= 0 && n != c.want {
							b.Fatalf("%d results, want %d", n, c.want)
						}
					}
				})
			}
			b.Run("tweet", func(b *testing.B) {
				b.ReportAllocs()
				at := time.Unix(1_800_000_000, 0)
				for b.Loop() {
					if _, err := s.PostMessage(ctx, 7, "a new message — “quoted” 😀", at); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

func name(id int64) string { return fmt.Sprintf("user%d", id) }

// fill writes the dataset with InsertRows (one transaction, explicit ids)
// and moves the id sequences past it, so PostMessage gets fresh ids.
func fill(b *testing.B, s *store.Store) {
	b.Helper()
	ctx := context.Background()
	insert := func(table string, n int, value func(i int, col string) any) {
		l, err := store.TableLayout(table)
		if err != nil {
			b.Fatal(err)
		}
		rows := make([][]any, 0, n)
		for i := range n {
			r := make([]any, len(l.Columns))
			for j, c := range l.Columns {
				r[j] = value(i, c.Name)
			}
			rows = append(rows, r)
		}
		if err := s.InsertRows(ctx, table, rows); err != nil {
			b.Fatal(err)
		}
	}
	insert("users", benchUsers, func(i int, col string) any {
		id := int64(i + 1)
		switch col {
		case "id":
			return id
		case "username":
			return name(id)
		case "email":
			return name(id) + "@example.com"
		}
		return "x" // pw_hash
	})
	insert("messages", benchMessages, func(i int, col string) any {
		switch col {
		case "id":
			return int64(i + 1)
		case "author_id":
			if i%10 == 0 {
				return int64(popularID)
			}
			return int64(3 + i%(benchUsers-3)) // never the last user, the light one
		case "text":
			return fmt.Sprintf("message %d with some “text” & <markup>", i)
		case "pub_date":
			return int64(1_600_000_000 + i*60)
		}
		return i%97 == 0 // flagged
	})
	follows := make([][2]int64, 0, benchFollowing+benchUsers)
	for w := int64(3); w < 3+benchFollowing; w++ {
		follows = append(follows, [2]int64{heavyID, w})
	}
	for u := int64(2); u <= benchUsers; u++ {
		follows = append(follows, [2]int64{u, popularID})
	}
	insert("follows", len(follows), func(i int, col string) any {
		if col == "who_id" {
			return follows[i][0]
		}
		return follows[i][1]
	})
	if _, err := s.AdvanceSequences(ctx); err != nil {
		b.Fatal(err)
	}
	if s.Dialect() == "postgres" {
		p, err := s.SQLDB()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.ExecContext(ctx, "ANALYZE"); err != nil {
			b.Fatal(err)
		}
	}
}

// cursorAt is the cursor the web's "older messages" link carries after the
// public timeline's n-th message (0-based), as on the page before page 1,000.
func cursorAt(b *testing.B, db storetest.DB, n int) domain.Cursor {
	b.Helper()
	var c domain.Cursor
	row := db.QueryRow(b, "SELECT pub_date, id FROM messages WHERE flagged = ? ORDER BY pub_date DESC, id DESC LIMIT 1 OFFSET ?", false, n)
	if err := row.Scan(&c.PubDate, &c.ID); err != nil {
		b.Fatal(err)
	}
	return c
}
