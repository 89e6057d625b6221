package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"minitwit/shared/domain"
	"minitwit/shared/storetest"
)

// Users from before migration 3 have no name key; the backfill gives it to
// the oldest of each look-alike group, leaves the others empty, and a second
// run changes nothing.
func TestBackfillNameKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		db.Exec(t, `INSERT INTO users (id, username, email, pw_hash) VALUES (1, 'alice', 'a@x', 'h'), (2, 'Alice', 'b@x', 'h'), (3, 'Ångström', 'c@x', 'h'), (4, 'bob', 'd@x', 'h')`)
		got, err := db.Store.BackfillNameKeys(ctx, 2)
		if err != nil || got.Set != 3 || got.Collided != 1 {
			t.Fatalf("backfill = %+v, %v; want 3 set, 1 collided", got, err)
		}
		got, err = db.Store.BackfillNameKeys(ctx, 2)
		if err != nil || got.Set != 0 || got.Collided != 1 {
			t.Fatalf("second backfill = %+v, %v; want nothing new", got, err)
		}
		u, err := db.Store.UserByNameKey(ctx, domain.NameKey("ALICE"))
		if err != nil || u.ID != 1 {
			t.Errorf("UserByNameKey(ALICE) = %+v, %v; want the oldest alice", u, err)
		}
		if _, err := db.Store.UserByNameKey(ctx, ""); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("the empty key found %v", err)
		}
		groups, err := db.Store.NameKeyCollisions(ctx)
		if err != nil || len(groups) != 1 || groups[0].Key != "alice" || len(groups[0].Users) != 2 {
			t.Errorf("collisions %+v, %v", groups, err)
		}
	})
}

// Two registrations of look-alike names at once: the unique index on the
// name key lets exactly one through.
func TestCreateUserNameKeyRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		names := []string{"carol", "Carol", "CAROL", "ｃａｒｏｌ", "carol", "cAroL"}
		var wg sync.WaitGroup
		errs := make([]error, len(names))
		for i, n := range names {
			wg.Go(func() {
				_, errs[i] = db.Store.CreateUser(context.Background(), domain.User{Username: n, Email: "c@x", PwHash: "h"})
			})
		}
		wg.Wait()
		ok := 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, domain.ErrUsernameTaken):
				t.Errorf("%q: %v", names[i], err)
			}
		}
		if ok != 1 {
			t.Errorf("%d look-alike registrations succeeded, want 1", ok)
		}
	})
}

// Names the database would refuse (PostgreSQL: NUL, invalid UTF-8) are
// unknown users in every lookup, and never reach it.
func TestLookupsOfImpossibleNames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		if _, err := db.Store.CreateUser(ctx, domain.User{Username: "Zoë", Email: "z@x", PwHash: "h"}); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"a\x00b", "a\xffb", ""} {
			if _, err := db.Store.UserByName(ctx, name); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("UserByName(%q) = %v", name, err)
			}
			if _, err := db.Store.Following(ctx, name, 10); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("Following(%q) = %v", name, err)
			}
			if err := db.Store.Follow(ctx, "Zoë", name); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("Follow(Zoë, %q) = %v", name, err)
			}
			if err := db.Store.Unfollow(ctx, name, "Zoë"); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("Unfollow(%q, Zoë) = %v", name, err)
			}
			if _, err := db.Store.IsFollowing(ctx, name, "Zoë"); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("IsFollowing(%q, Zoë) = %v", name, err)
			}
		}
		// The decomposed form finds the composed name it was stored as.
		if u, err := db.Store.UserByName(ctx, "Zoe\u0308"); err != nil || u.Username != "Zoë" {
			t.Errorf("UserByName(decomposed) = %+v, %v", u, err)
		}
	})
}
