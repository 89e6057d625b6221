package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"minitwit/shared/domain"
	"minitwit/shared/store"
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

		if err := s.EnableTOTP(ctx, alice.ID, "sealed-1", 100, []string{"h1", "h2", "h3"}); err != nil {
			t.Fatal(err)
		}
		want(alice.ID, state{"sealed-1", 100, []string{"h1", "h2", "h3"}})
		want(bob.ID, state{Secret: "", Codes: []string{}})

		for _, tt := range []struct {
			name string
			do   func() error
			want error
		}{
			{"enable twice", func() error { return s.EnableTOTP(ctx, alice.ID, "sealed-2", 1, nil) }, store.ErrTwoFactorChanged},
			{"enable unknown user", func() error { return s.EnableTOTP(ctx, 9999, "x", 1, nil) }, domain.ErrNotFound},
			{"enable empty secret", func() error { return s.EnableTOTP(ctx, bob.ID, "", 1, nil) }, domain.ErrInvalid},
			{"enable hash with space", func() error { return s.EnableTOTP(ctx, bob.ID, "x", 1, []string{"a b"}) }, domain.ErrInvalid},
			{"step of the confirmation", func() error { return s.AcceptTOTPStep(ctx, alice.ID, "sealed-1", 100) }, store.ErrTwoFactorChanged},
			{"earlier step", func() error { return s.AcceptTOTPStep(ctx, alice.ID, "sealed-1", 99) }, store.ErrTwoFactorChanged},
			{"step for another secret", func() error { return s.AcceptTOTPStep(ctx, alice.ID, "sealed-0", 101) }, store.ErrTwoFactorChanged},
			{"step when off", func() error { return s.AcceptTOTPStep(ctx, bob.ID, "", 101) }, store.ErrTwoFactorChanged},
			{"step of unknown user", func() error { return s.AcceptTOTPStep(ctx, 9999, "sealed-1", 101) }, domain.ErrNotFound},
			{"later step", func() error { return s.AcceptTOTPStep(ctx, alice.ID, "sealed-1", 101) }, nil},
			{"the same step again", func() error { return s.AcceptTOTPStep(ctx, alice.ID, "sealed-1", 101) }, store.ErrTwoFactorChanged},
			{"unknown recovery code", func() error { return s.UseRecoveryCode(ctx, alice.ID, "h9") }, store.ErrTwoFactorChanged},
			{"empty recovery code", func() error { return s.UseRecoveryCode(ctx, alice.ID, "") }, store.ErrTwoFactorChanged},
			{"recovery code of another user", func() error { return s.UseRecoveryCode(ctx, bob.ID, "h1") }, store.ErrTwoFactorChanged},
			{"recovery code", func() error { return s.UseRecoveryCode(ctx, alice.ID, "h2") }, nil},
			{"recovery code again", func() error { return s.UseRecoveryCode(ctx, alice.ID, "h2") }, store.ErrTwoFactorChanged},
			{"replace a stale secret", func() error { return s.ReplaceTOTPSecret(ctx, alice.ID, "sealed-0", "resealed") }, store.ErrTwoFactorChanged},
		} {
			if err := tt.do(); !errors.Is(err, tt.want) {
				t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
			}
		}
		want(alice.ID, state{"sealed-1", 101, []string{"h1", "h3"}})

		if err := s.ReplaceTOTPSecret(ctx, alice.ID, "sealed-1", "resealed"); err != nil {
			t.Fatal(err)
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
		if err := s.UseRecoveryCode(ctx, alice.ID, "h1"); !errors.Is(err, store.ErrTwoFactorChanged) {
			t.Errorf("a recovery code after turning off: %v", err)
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
		if err := s.EnableTOTP(ctx, u.ID, "sealed", 10, codes); err != nil {
			t.Fatal(err)
		}
		const racers = 6
		race := func(do func(i int) error) (ok int, errs []error) {
			var mu sync.Mutex
			var wg sync.WaitGroup
			for i := range racers {
				wg.Go(func() {
					err := do(i)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						ok++
					case !errors.Is(err, store.ErrTwoFactorChanged):
						errs = append(errs, err)
					}
				})
			}
			wg.Wait()
			return ok, errs
		}

		ok, errs := race(func(int) error { return s.AcceptTOTPStep(ctx, u.ID, "sealed", 11) })
		if ok != 1 || len(errs) > 0 {
			t.Errorf("the same step accepted %d times of %d (want 1); errors %v", ok, racers, errs)
		}
		ok, errs = race(func(int) error { return s.UseRecoveryCode(ctx, u.ID, "c3") })
		if ok != 1 || len(errs) > 0 {
			t.Errorf("the same recovery code used %d times of %d (want 1); errors %v", ok, racers, errs)
		}
		rest := []string{"c0", "c1", "c2", "c4", "c5"}
		ok, errs = race(func(i int) error {
			if i >= len(rest) {
				return store.ErrTwoFactorChanged
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
