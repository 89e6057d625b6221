package account_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"minitwit/shared/account"
	"minitwit/shared/domain"
	"minitwit/shared/password"
	"minitwit/shared/storetest"
)

func newService(db storetest.DB, now *time.Time) *account.Service {
	return &account.Service{
		Users: db.Store, Throttle: db.Store, Hasher: password.Hasher{Cost: 4},
		Policy: account.DefaultPolicy, Now: func() time.Time { return *now },
	}
}

// Registration answers the contract's checks first, in its order, then the
// rule set's, then a taken name (also one differing only in case).
func TestRegisterOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		now := time.Unix(1_800_000_000, 0)
		s := newService(db, &now)
		ctx := context.Background()
		if _, err := s.Register(ctx, account.Registration{Username: "Roger", Email: "r@x", Password: "pw"}); err != nil {
			t.Fatal(err)
		}
		differ := "other"
		tests := []struct {
			r    account.Registration
			want error
		}{
			{account.Registration{Username: "", Email: "bad", Password: ""}, domain.ErrNameEmpty},
			{account.Registration{Username: "a\x00", Email: "bad", Password: ""}, domain.ErrEmailInvalid},
			{account.Registration{Username: "a\x00", Email: "a@x", Password: ""}, domain.ErrPasswordEmpty},
			{account.Registration{Username: "a\x00", Email: "a@x", Password: "p", Password2: &differ}, account.ErrPasswordMismatch},
			{account.Registration{Username: "a\x00", Email: "a@x", Password: "p"}, domain.ErrNameCharacters},
			{account.Registration{Username: "roger", Email: "a@x", Password: "p", MinPasswordRunes: 8}, domain.ErrPasswordTooShort},
			{account.Registration{Username: "roger", Email: "a@x", Password: "p"}, domain.ErrUsernameTaken},
		}
		for _, tt := range tests {
			if _, err := s.Register(ctx, tt.r); !errors.Is(err, tt.want) {
				t.Errorf("Register(%+v) = %v, want %v", tt.r, err, tt.want)
			}
		}
	})
}

// After five failures the account is blocked for 1 s, then 2, 4, ... up to
// 15 minutes; a blocked attempt is refused even with the right password and
// does not count; a success resets the run.
func TestSignInBackoff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		now := time.Unix(1_800_000_000, 0)
		s := newService(db, &now)
		ctx := context.Background()
		if _, err := s.Register(ctx, account.Registration{Username: "alice", Email: "a@x", Password: "right"}); err != nil {
			t.Fatal(err)
		}
		for range 4 {
			if _, err := s.SignIn(ctx, "alice", "wrong", ""); !errors.Is(err, account.ErrWrongPassword) {
				t.Fatalf("early failure: %v", err)
			}
		}
		wait := time.Second
		for i := range 12 {
			if _, err := s.SignIn(ctx, "alice", "wrong", ""); !errors.Is(err, account.ErrWrongPassword) {
				t.Fatalf("failure %d: %v", i+5, err)
			}
			var th *account.Throttled
			if _, err := s.SignIn(ctx, "ALICE", "right", ""); !errors.As(err, &th) || th.RetryAfter != wait {
				t.Fatalf("after failure %d: %v, want throttled for %v", i+5, err, wait)
			}
			now = now.Add(wait)
			wait = min(2*wait, 15*time.Minute)
		}
		if wait != 15*time.Minute {
			t.Fatalf("the wait grew to %v only", wait)
		}
		if u, err := s.SignIn(ctx, "alice", "right", ""); err != nil || u.Username != "alice" {
			t.Fatalf("after the block: %+v, %v", u, err)
		}
		for range 4 {
			if _, err := s.SignIn(ctx, "alice", "wrong", ""); !errors.Is(err, account.ErrWrongPassword) {
				t.Fatalf("after the reset: %v", err)
			}
		}
		if _, err := s.SignIn(ctx, "alice", "right", ""); err != nil {
			t.Errorf("four failures after a success blocked: %v", err)
		}
		if _, err := s.SignIn(ctx, "nobody", "x", ""); !errors.Is(err, account.ErrUnknownUser) {
			t.Errorf("unknown user: %v", err)
		}
	})
}
