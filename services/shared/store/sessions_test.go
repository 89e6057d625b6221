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

func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		s := db.Store
		alice, err := s.CreateUser(ctx, domain.User{Username: "alice", Email: "a@x", PwHash: "ha"})
		if err != nil {
			t.Fatal(err)
		}
		bob, _ := s.CreateUser(ctx, domain.User{Username: "bob", Email: "b@x", PwHash: "hb"})
		now := time.Unix(1_800_000_000, 0)
		day := 24 * time.Hour
		for _, sess := range []struct {
			hash    string
			user    int64
			expires time.Time
		}{
			{"a1", alice.ID, now.Add(day)},
			{"a2", alice.ID, now.Add(day)},
			{"a-old", alice.ID, now.Add(-time.Second)},
			{"a-edge", alice.ID, now},
			{"b1", bob.ID, now.Add(day)},
		} {
			if err := s.CreateSession(ctx, sess.hash, sess.user, now.Add(-day), sess.expires); err != nil {
				t.Fatal(err)
			}
		}

		user := func(hash string) (domain.User, error) { return s.SessionUser(ctx, hash, now) }
		if got, err := user("a1"); err != nil || got != alice {
			t.Errorf("SessionUser(a1) = %+v, %v; want %+v", got, err, alice)
		}
		if got, err := user("b1"); err != nil || got != bob {
			t.Errorf("SessionUser(b1) = %+v, %v; want %+v", got, err, bob)
		}
		for _, hash := range []string{"a-old", "a-edge", "unknown", ""} {
			if _, err := user(hash); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("SessionUser(%q) = %v, want ErrNotFound (expired or unknown)", hash, err)
			}
		}

		if err := s.DeleteSession(ctx, "a1"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteSession(ctx, "a1"); err != nil {
			t.Errorf("second DeleteSession: %v", err)
		}
		if _, err := user("a1"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("deleted session still valid: %v", err)
		}
		if _, err := user("a2"); err != nil {
			t.Errorf("deleting one session ended another: %v", err)
		}

		// Expired rows go, at most limit per call; live ones stay.
		n, err := s.PurgeExpiredSessions(ctx, now, 1)
		if err != nil || n != 1 {
			t.Errorf("PurgeExpiredSessions(limit 1) = %d, %v; want 1", n, err)
		}
		n, err = s.PurgeExpiredSessions(ctx, now, 100)
		if err != nil || n != 1 {
			t.Errorf("second PurgeExpiredSessions = %d, %v; want 1", n, err)
		}
		if diff := cmp.Diff([]string{"a2", "b1"}, sessionHashes(t, db)); diff != "" {
			t.Errorf("sessions after purge (-want +got):\n%s", diff)
		}

		n, err = s.DeleteUserSessions(ctx, alice.ID)
		if err != nil || n != 1 {
			t.Errorf("DeleteUserSessions(alice) = %d, %v; want 1", n, err)
		}
		if n, err := s.DeleteUserSessions(ctx, alice.ID); err != nil || n != 0 {
			t.Errorf("DeleteUserSessions again = %d, %v; want 0", n, err)
		}
		if _, err := user("b1"); err != nil {
			t.Errorf("ending alice's sessions ended bob's: %v", err)
		}

		// A password change ends every session of that user, atomically.
		if err := s.CreateSession(ctx, "a3", alice.ID, now, now.Add(day)); err != nil {
			t.Fatal(err)
		}
		n, err = s.ChangePassword(ctx, alice.ID, "new-hash")
		if err != nil || n != 1 {
			t.Errorf("ChangePassword = %d, %v; want 1 session ended", n, err)
		}
		if u, _ := s.UserByID(ctx, alice.ID); u.PwHash != "new-hash" {
			t.Errorf("hash after ChangePassword: %q", u.PwHash)
		}
		if _, err := user("a3"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("session survived a password change: %v", err)
		}
		if _, err := s.ChangePassword(ctx, 1<<40, "h"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("ChangePassword of no user: %v, want ErrNotFound", err)
		}

		// A session outlives no user.
		db.Exec(t, "DELETE FROM users WHERE id = ?", bob.ID)
		if _, err := user("b1"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("session of a deleted user: %v, want ErrNotFound", err)
		}
	})
}

func sessionHashes(t *testing.T, db storetest.DB) []string {
	t.Helper()
	pool, err := db.Store.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := pool.Query("SELECT token_hash FROM sessions ORDER BY token_hash")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			t.Fatal(err)
		}
		out = append(out, h)
	}
	return out
}
