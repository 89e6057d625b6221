package account_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"minitwit/shared/account"
	"minitwit/shared/storetest"
)

// Wrong second-factor codes block like wrong passwords, and a right
// password in between does not give a fresh run of code guesses: only a
// right code does.
func TestSecondFactorThrottle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		now := time.Unix(1_800_000_000, 0)
		s := newService(db, &now)
		ctx := context.Background()
		u, err := s.Register(ctx, account.Registration{Username: "Wendy", Email: "w@x", Password: "right password"})
		if err != nil {
			t.Fatal(err)
		}
		blocked := func() bool {
			t.Helper()
			err := s.SecondFactorAllowed(ctx, u, "192.0.2.7")
			var th *account.Throttled
			if err != nil && !errors.As(err, &th) {
				t.Fatal(err)
			}
			return th != nil
		}
		for i := range 4 {
			if blocked() {
				t.Fatalf("blocked after %d wrong codes", i)
			}
			if err := s.SecondFactorFailed(ctx, u, "192.0.2.7"); err != nil {
				t.Fatal(err)
			}
		}
		// The password is right: the account's run ends, the codes' not.
		if _, err := s.SignIn(ctx, "Wendy", "right password", "192.0.2.7"); err != nil {
			t.Fatal(err)
		}
		if err := s.SecondFactorFailed(ctx, u, "192.0.2.7"); err != nil {
			t.Fatal(err)
		}
		if !blocked() {
			t.Fatal("five wrong codes with a right password between them did not block")
		}
		now = now.Add(time.Second)
		if blocked() {
			t.Fatal("still blocked after the first 1 s block")
		}
		if err := s.SecondFactorPassed(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := s.SecondFactorFailed(ctx, u, "192.0.2.7"); err != nil {
			t.Fatal(err)
		}
		if blocked() {
			t.Error("a wrong code right after a right one blocks: the run was not reset")
		}
	})
}
