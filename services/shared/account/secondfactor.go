package account

import (
	"context"
	"errors"
	"time"

	"minitwit/shared/domain"
)

// Second-factor codes are throttled like passwords: a wrong code is a
// failed sign-in of the account from the client, so the account's and the
// client's runs of failures grow and block both steps alike. A correct
// password resets the account's run (SignIn), which would hand someone
// holding the password a fresh run of code guesses each time; so wrong
// codes also count under a key of their own, "2fa:<name key>", that only
// a correct code resets.

// errCodeFailed is the cause SecondFactorFailed records; callers see nil.
var errCodeFailed = errors.New("wrong second-factor code")

func secondFactorKey(u domain.User) string { return "2fa:" + domain.NameKey(u.Username) }

func userKey(u domain.User) string { return "user:" + domain.NameKey(u.Username) }

// SecondFactorAllowed returns *Throttled when u's account, u's code key or
// client ("" when unknown) is blocked now.
func (s *Service) SecondFactorAllowed(ctx context.Context, u domain.User, client string) error {
	if s.Throttle == nil {
		return nil
	}
	keys := []string{userKey(u), secondFactorKey(u)}
	if client != "" {
		keys = append(keys, "client:"+client)
	}
	until, _, err := s.Throttle.SignInThrottle(ctx, keys)
	if err != nil {
		return err
	}
	if wait := time.Unix(until, 0).Sub(s.now()); wait > 0 {
		return &Throttled{RetryAfter: wait}
	}
	return nil
}

// SecondFactorFailed records a wrong code for u from client.
func (s *Service) SecondFactorFailed(ctx context.Context, u domain.User, client string) error {
	now := s.now()
	if err := s.failed(ctx, now, client, userKey(u), errCodeFailed); !errors.Is(err, errCodeFailed) {
		return err
	}
	if err := s.failed(ctx, now, "", secondFactorKey(u), errCodeFailed); !errors.Is(err, errCodeFailed) {
		return err
	}
	return nil
}

// SecondFactorPassed forgets u's wrong codes after a correct one.
func (s *Service) SecondFactorPassed(ctx context.Context, u domain.User) error {
	if s.Throttle == nil {
		return nil
	}
	if err := s.Throttle.ResetSignIns(ctx, secondFactorKey(u)); err != nil {
		return err
	}
	return s.Throttle.ResetSignIns(ctx, userKey(u))
}
