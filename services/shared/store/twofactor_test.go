package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"minitwit/shared/domain"
	"minitwit/shared/storetest"
)

func TestTwoFactor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		s := db.Store
		alice, err := s.CreateUser(ctx, domain.User{Username: "alice", Email: "a@x", PwHash: "ha"})
		if err != nil {
			t.Fatal(err)
		}
		bob, _ := s.CreateUser(ctx, domain.User{Username: "bob", Email: "b@x", PwHash: "hb"})

		type state struct {
			Secret string
			Step   int64
			Codes  []string
		}
		get := func(id int64) state {
			t.Helper()
			secret, step, codes, err := s.TwoFactor(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return state{secret, step, codes}
		}
		want := func(id int64, w state) {
			t.Helper()
			if diff := cmp.Diff(w, get(id)); diff != "" {
				t.Errorf("two-factor state of %d (-want +got):\n%s", id, diff)
			}
		}

		want(alice.ID, state{Secret: "", Step: 0, Codes: []string{}})
		if _, _, _, err := s.TwoFactor(ctx, 9999); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("TwoFactor(unknown) = %v, want ErrNotFound", err)
		}

		if ok, err := s.EnableTOTP(ctx, alice.ID, "sealed-1", 100, []string{"h1", "h2", "h3"}); !ok || err != nil {
			t.Fatalf("EnableTOTP = %v, %v", ok, err)
		}
		want(alice.ID, state{"sealed-1", 100, []string{"h1", "h2", "h3"}})
		want(bob.ID, state{Secret: "", Codes: []string{}})

		for _, tt := range []struct {
			name string
			do   func() (bool, error)
			ok   bool
			err  error
		}{
			{"enable twice", func() (bool, error) { return s.EnableTOTP(ctx, alice.ID, "sealed-2", 1, nil) }, false, nil},
			{"enable unknown user", func() (bool, error) { return s.EnableTOTP(ctx, 9999, "x", 1, nil) }, false, domain.ErrNotFound},
			{"enable empty secret", func() (bool, error) { return s.EnableTOTP(ctx, bob.ID, "", 1, nil) }, false, domain.ErrInvalid},
			{"enable hash with space", func() (bool, error) { return s.EnableTOTP(ctx, bob.ID, "x", 1, []string{"a b"}) }, false, domain.ErrInvalid},
			{"step of the confirmation", func() (bool, error) { return s.AcceptTOTPStep(ctx, alice.ID, "sealed-1", 100) }, false, nil},
			{"earlier step", func() (bool, error) { return s.AcceptTOTPStep(ctx, alice.ID, "sealed-1", 99) }, false, nil},
			{"step for another secret", func() (bool, error) { return s.AcceptTOTPStep(ctx, alice.ID, "sealed-0", 101) }, false, nil},
			{"step when off", func() (bool, error) { return s.AcceptTOTPStep(ctx, bob.ID, "", 101) }, false, nil},
			{"step of unknown user", func() (bool, error) { return s.AcceptTOTPStep(ctx, 9999, "sealed-1", 101) }, false, domain.ErrNotFound},
			{"later step", func() (bool, error) { return s.AcceptTOTPStep(ctx, alice.ID, "sealed-1", 101) }, true, nil},
			{"the same step again", func() (bool, error) { return s.AcceptTOTPStep(ctx, alice.ID, "sealed-1", 101) }, false, nil},
			{"unknown recovery code", func() (bool, error) { return s.UseRecoveryCode(ctx, alice.ID, "h9") }, false, nil},
			{"empty recovery code", func() (bool, error) { return s.UseRecoveryCode(ctx, alice.ID, "") }, false, nil},
			{"recovery code of another user", func() (bool, error) { return s.UseRecoveryCode(ctx, bob.ID, "h1") }, false, nil},
			{"recovery code of unknown user", func() (bool, error) { return s.UseRecoveryCode(ctx, 9999, "h1") }, false, domain.ErrNotFound},
			{"recovery code", func() (bool, error) { return s.UseRecoveryCode(ctx, alice.ID, "h2") }, true, nil},
			{"recovery code again", func() (bool, error) { return s.UseRecoveryCode(ctx, alice.ID, "h2") }, false, nil},
			{"replace a stale secret", func() (bool, error) { return s.ReplaceTOTPSecret(ctx, alice.ID, "sealed-0", "resealed") }, false, nil},
		} {
			ok, err := tt.do()
			if ok != tt.ok || !errors.Is(err, tt.err) {
				t.Errorf("%s: %v, %v; want %v, %v", tt.name, ok, err, tt.ok, tt.err)
			}
		}
		want(alice.ID, state{"sealed-1", 101, []string{"h1", "h3"}})

		if ok, err := s.ReplaceTOTPSecret(ctx, alice.ID, "sealed-1", "resealed"); !ok || err != nil {
			t.Fatalf("ReplaceTOTPSecret = %v, %v", ok, err)
		}
		want(alice.ID, state{"resealed", 101, []string{"h1", "h3"}})

		if err := s.DisableTOTP(ctx, alice.ID); err != nil {
			t.Fatal(err)
		}
		want(alice.ID, state{Secret: "", Codes: []string{}})
		if err := s.DisableTOTP(ctx, alice.ID); err != nil {
			t.Errorf("DisableTOTP when off: %v", err)
		}
		if err := s.DisableTOTP(ctx, 9999); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("DisableTOTP(unknown) = %v, want ErrNotFound", err)
		}
		if ok, err := s.UseRecoveryCode(ctx, alice.ID, "h1"); ok || err != nil {
			t.Errorf("a recovery code after turning off: %v, %v", ok, err)
		}
	})
}

// TestTwoFactorRaces: requests racing with the same code, as two replicas
// would, succeed exactly once each; different recovery codes used at the
// same moment all succeed.
func TestTwoFactorRaces(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		s := db.Store
		u, err := s.CreateUser(ctx, domain.User{Username: "carol", Email: "c@x", PwHash: "hc"})
		if err != nil {
			t.Fatal(err)
		}
		codes := []string{"c0", "c1", "c2", "c3", "c4", "c5"}
		if ok, err := s.EnableTOTP(ctx, u.ID, "sealed", 10, codes); !ok || err != nil {
			t.Fatalf("EnableTOTP = %v, %v", ok, err)
		}
		const racers = 6
		race := func(do func(i int) (bool, error)) (ok int, errs []error) {
			var mu sync.Mutex
			var wg sync.WaitGroup
			for i := range racers {
				wg.Go(func() {
					done, err := do(i)
					mu.Lock()
					defer mu.Unlock()
					if done {
						ok++
					}
					if err != nil {
						errs = append(errs, err)
					}
				})
			}
			wg.Wait()
			return ok, errs
		}

		ok, errs := race(func(int) (bool, error) { return s.AcceptTOTPStep(ctx, u.ID, "sealed", 11) })
		if ok != 1 || len(errs) > 0 {
			t.Errorf("the same step accepted %d times of %d (want 1); errors %v", ok, racers, errs)
		}
		ok, errs = race(func(int) (bool, error) { return s.UseRecoveryCode(ctx, u.ID, "c3") })
		if ok != 1 || len(errs) > 0 {
			t.Errorf("the same recovery code used %d times of %d (want 1); errors %v", ok, racers, errs)
		}
		rest := []string{"c0", "c1", "c2", "c4", "c5"}
		ok, errs = race(func(i int) (bool, error) {
			if i >= len(rest) {
				return false, nil
			}
			return s.UseRecoveryCode(ctx, u.ID, rest[i])
		})
		if ok != len(rest) || len(errs) > 0 {
			t.Errorf("%d of %d different recovery codes used at once succeeded; errors %v", ok, len(rest), errs)
		}
		if _, _, left, err := s.TwoFactor(ctx, u.ID); err != nil || len(left) != 0 {
			t.Errorf("codes left %v, %v; want none", left, err)
		}
	})
}
