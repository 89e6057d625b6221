package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"minitwit/shared/domain"
	"minitwit/shared/storetest"
)

// TestHomeTimelineBothPlans: the home timeline of a user following many
// (PostgreSQL walks everyone's newest messages) and of one following few
// (it merges per-followee pages) equals the same list worked out in Go,
// page by page through the cursor, with flagged messages left out and
// messages of users not followed never shown.
func TestHomeTimelineBothPlans(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		s := db.Store
		mk := func(name string) domain.User {
			u, err := s.CreateUser(ctx, domain.User{Username: name, Email: name + "@x", PwHash: "h"})
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		many, few := mk("many"), mk("few")
		var authors []domain.User
		for i := range 130 {
			authors = append(authors, mk(fmt.Sprintf("a%03d", i)))
		}
		follows := map[int64]map[int64]bool{many.ID: {many.ID: true}, few.ID: {few.ID: true}}
		for i, a := range authors {
			if i < 120 {
				if err := s.Follow(ctx, "many", a.Username); err != nil {
					t.Fatal(err)
				}
				follows[many.ID][a.ID] = true
			}
			if i%50 == 7 {
				if err := s.Follow(ctx, "few", a.Username); err != nil {
					t.Fatal(err)
				}
				follows[few.ID][a.ID] = true
			}
		}
		// 400 messages over all authors, several sharing a second, a few flagged.
		t0 := time.Unix(1_700_000_000, 0)
		var all []domain.Message
		writers := append([]domain.User{many, few}, authors...)
		for i := range 400 {
			a := writers[(i*37)%len(writers)]
			if i%3 == 0 { // enough for the one following few to page through
				a = []domain.User{few, authors[7], authors[57], authors[107]}[(i/3)%4]
			}
			m, err := s.PostMessage(ctx, a.ID, fmt.Sprintf("m%d", i), t0.Add(time.Duration(i/3)*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			if i%41 == 0 {
				db.Exec(t, "UPDATE messages SET flagged = ? WHERE id = ?", true, m.ID)
				continue
			}
			all = append(all, m)
		}
		slices.SortFunc(all, func(x, y domain.Message) int {
			if c := y.PubDate.Compare(x.PubDate); c != 0 {
				return c
			}
			return int(y.ID - x.ID)
		})
		for _, reader := range []domain.User{many, few} {
			var want []string
			for _, m := range all {
				if follows[reader.ID][m.AuthorID] {
					want = append(want, m.Text)
				}
			}
			var got []string
			p := domain.Page{Limit: 31}
			for range 100 {
				page, err := s.HomeTimeline(ctx, reader.ID, p)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range page {
					got = append(got, m.Text)
				}
				if len(page) < p.Limit {
					break
				}
				last := page[len(page)-1]
				p.Before = &domain.Cursor{PubDate: last.PubDate.Unix(), ID: last.ID}
			}
			if len(want) < 40 {
				t.Fatalf("%s: only %d messages to page through", reader.Username, len(want))
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("home timeline of %s (-want +got):\n%s", reader.Username, diff)
			}
		}
	})
}
