package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"minitwit/shared/domain"
	"minitwit/shared/store"
	"minitwit/shared/storetest"
)

func TestStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		s := db.Store
		a, err := s.CreateUser(ctx, domain.User{Username: "Roger Histand", Email: "r@x", PwHash: "h"})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := s.CreateUser(ctx, domain.User{Username: "b/ü", Email: "b@x", PwHash: "h"})
		if _, err := s.CreateUser(ctx, domain.User{Username: "Roger Histand", Email: "z@x"}); !errors.Is(err, domain.ErrUsernameTaken) {
			t.Fatalf("duplicate user: got %v, want ErrUsernameTaken", err)
		}
		if _, err := s.UserByName(ctx, "nobody"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("unknown user: got %v", err)
		}

		if got, _ := s.Latest(ctx); got != -1 {
			t.Errorf("Latest before any = %d, want -1", got)
		}
		_ = s.SetLatest(ctx, 7)
		_ = s.SetLatest(ctx, 9)
		if got, _ := s.Latest(ctx); got != 9 {
			t.Errorf("Latest = %d, want 9", got)
		}

		if err := s.Follow(ctx, a.Username, b.Username); err != nil {
			t.Fatal(err)
		}
		if err := s.Follow(ctx, a.Username, b.Username); err != nil {
			t.Fatalf("second follow: %v", err)
		}
		if err := s.Follow(ctx, a.Username, a.Username); !errors.Is(err, domain.ErrFollowSelf) {
			t.Errorf("self follow: %v", err)
		}
		if err := s.Follow(ctx, a.Username, "ghost"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("follow ghost: %v", err)
		}
		names, _ := s.Following(ctx, a.Username, 10)
		if diff := cmp.Diff([]string{"b/ü"}, names); diff != "" {
			t.Errorf("Following (-want +got):\n%s", diff)
		}

		t0 := time.Unix(1_700_000_000, 0)
		_, _ = s.PostMessage(ctx, a.ID, "first", t0)
		_, _ = s.PostMessage(ctx, b.ID, "second", t0)
		m3, _ := s.PostMessage(ctx, b.ID, "third", t0.Add(time.Second))
		db.Exec(t, "UPDATE messages SET flagged = ? WHERE text = ?", true, "second")
		_, _ = s.PostMessage(ctx, b.ID, "fourth", t0)

		texts := func(ms []domain.Message, err error) []string {
			if err != nil {
				t.Fatal(err)
			}
			out := []string{}
			for _, m := range ms {
				out = append(out, m.Text)
			}
			return out
		}
		// Same second: the later post first; flagged left out.
		if diff := cmp.Diff([]string{"third", "fourth", "first"}, texts(s.PublicTimeline(ctx, domain.Page{Limit: 10}))); diff != "" {
			t.Errorf("public (-want +got):\n%s", diff)
		}
		cur := &domain.Cursor{PubDate: m3.PubDate.Unix(), ID: m3.ID}
		if diff := cmp.Diff([]string{"fourth", "first"}, texts(s.PublicTimeline(ctx, domain.Page{Limit: 10, Before: cur}))); diff != "" {
			t.Errorf("public page 2 (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"first"}, texts(s.UserTimeline(ctx, a.ID, domain.Page{Limit: 10}))); diff != "" {
			t.Errorf("user (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"third", "fourth", "first"}, texts(s.HomeTimeline(ctx, a.ID, domain.Page{Limit: 10}))); diff != "" {
			t.Errorf("home (-want +got):\n%s", diff)
		}
		if err := s.Unfollow(ctx, a.Username, b.Username); err != nil {
			t.Fatal(err)
		}
		if err := s.Unfollow(ctx, a.Username, b.Username); err != nil {
			t.Fatalf("second unfollow: %v", err)
		}
		if diff := cmp.Diff([]string{"first"}, texts(s.HomeTimeline(ctx, a.ID, domain.Page{Limit: 10}))); diff != "" {
			t.Errorf("home after unfollow (-want +got):\n%s", diff)
		}
	})
}

func TestSchemaCheck(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		if err := (store.SchemaCheck{Store: db.Store}).Ping(ctx); err != nil {
			t.Fatalf("migrated database: %v", err)
		}
		db.Exec(t, "DELETE FROM schema_migrations")
		if err := (store.SchemaCheck{Store: db.Store}).Ping(ctx); err == nil {
			t.Fatal("a database with pending migrations passed the schema check")
		}
	})
}
