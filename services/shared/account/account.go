// Package account registers users and signs them in, for the web UI and
// the simulator API alike: the rule set of package domain, bcrypt hashing
// with the upgrade of legacy hashes, names unique after normalisation and
// case folding, and sign-in throttling per account and per client whose
// state lives in the database, so every replica shares it. Each service
// maps the errors to its contract's wording.
package account

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/sirupsen/logrus"

	"minitwit/shared/domain"
	"minitwit/shared/password"
)

// Throttle keeps failed sign-ins per key (see store/throttle.go).
type Throttle interface {
	SignInThrottle(ctx context.Context, keys []string) (blockedUntil int64, failing []string, err error)
	RecordSignInFailure(ctx context.Context, key string, now, forgetAfter int64) (int64, error)
	BlockSignIns(ctx context.Context, key string, until int64) error
	ResetSignIns(ctx context.Context, key string) error
	PurgeSignInThrottle(ctx context.Context, before int64) (int64, error)
}

// Policy says when failed sign-ins block further attempts.
type Policy struct {
	// AccountFailures and ClientFailures failures in a run block the
	// account, or the client address, for Base, then twice as long after
	// each further failure, at most Max.
	AccountFailures, ClientFailures int64
	Base, Max                       time.Duration
	// ForgetAfter without a failure ends a run.
	ForgetAfter time.Duration
}

// DefaultPolicy lets a person mistype a few times unhindered and makes
// guessing slow: after 5 failures on one account (20 from one address)
// every further failure doubles the wait, from 1 s up to 15 minutes.
var DefaultPolicy = Policy{AccountFailures: 5, ClientFailures: 20, Base: time.Second, Max: 15 * time.Minute, ForgetAfter: time.Hour}

// purgeEvery is how many failed sign-ins, on average, run one purge of
// finished throttle rows.
const purgeEvery = 64

// Service registers users and signs them in.
type Service struct {
	Users    domain.UserStore
	Throttle Throttle
	Hasher   password.Hasher
	Policy   Policy
	Log      *logrus.Entry    // warnings, e.g. a hash upgrade that failed; nil: none
	Now      func() time.Time // nil: time.Now
}

// Errors of SignIn besides *Throttled and internal ones.
var (
	ErrUnknownUser   = errors.New("unknown username")
	ErrWrongPassword = errors.New("wrong password")
	// ErrPasswordMismatch is a registration whose confirmation differs.
	ErrPasswordMismatch = errors.New("the two passwords do not match")
)

// Throttled refuses a sign-in without checking the password because of
// earlier failures on the account or from the client.
type Throttled struct {
	RetryAfter time.Duration
}

func (t *Throttled) Error() string {
	return fmt.Sprintf("Too many failed sign-ins; try again in %d seconds", t.Seconds())
}

// Seconds is RetryAfter rounded up to whole seconds, at least 1.
func (t *Throttled) Seconds() int64 {
	return max(1, int64((t.RetryAfter+time.Second-1)/time.Second))
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Registration is a sign-up as typed.
type Registration struct {
	Username, Email, Password string
	// Password2, when not nil, is the confirmation the web form asks for.
	Password2 *string
	// MinPasswordRunes is 8 for the web; 0 for the simulator API, whose
	// contract accepts any non-empty password.
	MinPasswordRunes int
}

// Register checks r and stores the user under the NFC form of the name.
// The first failing check is returned: the contract's (empty name, email
// without @, empty password, passwords that differ) in the contract's
// order, then the rule set's, then domain.ErrUsernameTaken when the name
// or a name differing only in case, composition or width is in use.
// Rule errors are *domain.RuleError (errors.Is domain.ErrInvalid).
func (s *Service) Register(ctx context.Context, r Registration) (domain.User, error) {
	emailErr := domain.CheckEmail(r.Email)
	switch {
	case r.Username == "":
		return domain.User{}, domain.ErrNameEmpty
	case errors.Is(emailErr, domain.ErrEmailInvalid):
		return domain.User{}, emailErr
	case r.Password == "":
		return domain.User{}, domain.ErrPasswordEmpty
	case r.Password2 != nil && *r.Password2 != r.Password:
		return domain.User{}, ErrPasswordMismatch
	}
	name, err := domain.NormalizeUsername(r.Username)
	if err != nil {
		return domain.User{}, err
	}
	if emailErr != nil {
		return domain.User{}, emailErr
	}
	if err := domain.CheckPassword(r.Password, r.MinPasswordRunes); err != nil {
		return domain.User{}, err
	}
	// Checked before hashing so a taken name costs a lookup, not a hash;
	// the unique indexes still decide a race between two registrations.
	key := domain.NameKey(name)
	switch taken, err := s.Users.NameTaken(ctx, name, key); {
	case err != nil:
		return domain.User{}, err
	case taken:
		return domain.User{}, domain.ErrUsernameTaken
	}
	hash, err := s.Hasher.Hash(r.Password)
	if errors.Is(err, password.ErrTooLong) {
		return domain.User{}, domain.ErrPasswordTooLong
	}
	if err != nil {
		return domain.User{}, err
	}
	return s.Users.CreateUser(ctx, domain.User{Username: name, Email: r.Email, PwHash: hash})
}

// SignIn checks a password. The user is found by name (NFC), else by name
// key when that is unambiguous (new accounts, and the oldest of legacy
// look-alikes). client is the caller's address ("" when unknown): failures
// count against it and against the account, and either being blocked
// refuses the attempt with *Throttled before the password is checked.
// A legacy or differently-costed hash is replaced on success.
func (s *Service) SignIn(ctx context.Context, username, pw, client string) (domain.User, error) {
	u, err := s.find(ctx, username)
	known := err == nil
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return domain.User{}, err
	}
	var keys []string
	if client != "" {
		keys = append(keys, "client:"+client)
	}
	userKey := ""
	if known {
		userKey = "user:" + domain.NameKey(u.Username)
		keys = append(keys, userKey)
	}
	now := s.now()
	var failing []string
	if s.Throttle != nil && len(keys) > 0 {
		var until int64
		until, failing, err = s.Throttle.SignInThrottle(ctx, keys)
		if err != nil {
			return domain.User{}, err
		}
		if wait := time.Unix(until, 0).Sub(now); wait > 0 {
			return domain.User{}, &Throttled{RetryAfter: wait}
		}
	}
	if !known {
		return domain.User{}, s.failed(ctx, now, client, "", ErrUnknownUser)
	}
	ok, rehash := s.Hasher.Verify(u.PwHash, pw)
	if !ok {
		return domain.User{}, s.failed(ctx, now, client, userKey, ErrWrongPassword)
	}
	for _, k := range failing {
		if k == userKey {
			if err := s.Throttle.ResetSignIns(ctx, userKey); err != nil {
				return domain.User{}, err
			}
		}
	}
	if rehash {
		s.upgradeHash(ctx, u, pw)
	}
	return u, nil
}

func (s *Service) find(ctx context.Context, username string) (domain.User, error) {
	u, err := s.Users.UserByName(ctx, username)
	if !errors.Is(err, domain.ErrNotFound) {
		return u, err
	}
	name, nerr := domain.NormalizeUsername(username)
	if nerr != nil {
		return domain.User{}, domain.ErrNotFound
	}
	return s.Users.UserByNameKey(ctx, domain.NameKey(name))
}

// failed records a failed sign-in against the client and, for a known
// user, the account, blocking a key once it has too many failures, and
// returns cause.
func (s *Service) failed(ctx context.Context, now time.Time, client, userKey string, cause error) error {
	if s.Throttle == nil {
		return cause
	}
	p := s.Policy
	if p == (Policy{}) {
		p = DefaultPolicy
	}
	record := func(key string, limit int64) error {
		n, err := s.Throttle.RecordSignInFailure(ctx, key, now.Unix(), int64(p.ForgetAfter/time.Second))
		if err != nil || n < limit {
			return err
		}
		wait := p.Max
		if shift := n - limit; shift < 32 {
			wait = min(p.Max, p.Base<<shift)
		}
		return s.Throttle.BlockSignIns(ctx, key, now.Add(wait).Unix())
	}
	// Now and then, rows whose run is over go, so names guessed once do
	// not pile up; any replica may do it, it is one idempotent statement.
	if rand.IntN(purgeEvery) == 0 {
		if _, err := s.Throttle.PurgeSignInThrottle(ctx, now.Add(-p.ForgetAfter).Unix()); err != nil {
			return err
		}
	}
	if client != "" {
		if err := record("client:"+client, p.ClientFailures); err != nil {
			return err
		}
	}
	if userKey != "" {
		if err := record(userKey, p.AccountFailures); err != nil {
			return err
		}
	}
	return cause
}

// upgradeHash replaces a legacy or differently-costed hash now that the
// password is known. Failing to do so does not fail the sign-in.
func (s *Service) upgradeHash(ctx context.Context, u domain.User, pw string) {
	hash, err := s.Hasher.Hash(pw)
	if err == nil {
		err = s.Users.UpdatePasswordHash(ctx, u.ID, hash)
	}
	if err != nil && s.Log != nil {
		s.Log.WithField("user_id", u.ID).WithError(err).Warn("could not upgrade password hash")
	}
}
