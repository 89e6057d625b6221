package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"minitwit/shared/domain"
	"minitwit/shared/storetest"
)

func TestModeration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		s := db.Store
		a, err := s.CreateUser(ctx, domain.User{Username: "Roger Histand", Email: "r@x", PwHash: "h"})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := s.CreateUser(ctx, domain.User{Username: "other", Email: "o@x", PwHash: "h"})
		t0 := time.Unix(1_700_000_000, 0)
		m1, _ := s.PostMessage(ctx, a.ID, "spam “quoted”", t0)
		m2, _ := s.PostMessage(ctx, a.ID, "fine", t0.Add(time.Second))
		_, _ = s.PostMessage(ctx, b.ID, "not theirs", t0.Add(2*time.Second))

		if err := s.SetFlagged(ctx, m1.ID, true); err != nil {
			t.Fatal(err)
		}
		// Flagging twice is not an error: the moderator's intent holds.
		if err := s.SetFlagged(ctx, m1.ID, true); err != nil {
			t.Fatalf("flag again: %v", err)
		}
		if err := s.SetFlagged(ctx, 999_999, true); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("flag unknown id: got %v, want ErrNotFound", err)
		}

		type row struct {
			ID      int64
			Text    string
			Flagged bool
		}
		list := func(limit int) []row {
			t.Helper()
			ms, err := s.MessagesByAuthor(ctx, "Roger Histand", limit)
			if err != nil {
				t.Fatal(err)
			}
			out := []row{}
			for _, m := range ms {
				if m.Author != "Roger Histand" {
					t.Errorf("message %d has author %q", m.ID, m.Author)
				}
				out = append(out, row{m.ID, m.Text, m.Flagged})
			}
			return out
		}
		want := []row{{m2.ID, "fine", false}, {m1.ID, "spam “quoted”", true}}
		if diff := cmp.Diff(want, list(10)); diff != "" {
			t.Errorf("MessagesByAuthor (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(want[:1], list(1)); diff != "" {
			t.Errorf("MessagesByAuthor limit 1 (-want +got):\n%s", diff)
		}
		pub, _ := s.UserTimeline(ctx, a.ID, domain.Page{Limit: 10})
		if len(pub) != 1 || pub[0].ID != m2.ID {
			t.Errorf("user timeline shows %+v; want only the unflagged message", pub)
		}

		if err := s.SetFlagged(ctx, m1.ID, false); err != nil {
			t.Fatal(err)
		}
		pub, _ = s.UserTimeline(ctx, a.ID, domain.Page{Limit: 10})
		if len(pub) != 2 {
			t.Errorf("after unflag the user timeline has %d messages, want 2", len(pub))
		}
		if _, err := s.MessagesByAuthor(ctx, "ghost", 10); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("unknown user: got %v, want ErrNotFound", err)
		}
	})
}
