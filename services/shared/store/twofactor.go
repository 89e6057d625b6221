package store

import (
	"context"
	"errors"
	"strings"

	"minitwit/shared/domain"
)

// Two-factor sign-in (migration 3's users columns): totp_secret is what the
// web UI stores for a user's authenticator (empty = off; the store treats it
// as opaque), totp_last_step the last 30 s step a code was accepted for,
// recovery_codes the hashes of the unused one-time codes, space separated.
// Every statement goes to the primary: a code accepted on one replica must
// be refused on every other at once.

// ErrTwoFactorChanged is a two-factor update refused because the user's
// two-factor state is no longer the one the caller read: it was turned on
// or off meanwhile, the step was already used, or the recovery code is gone.
var ErrTwoFactorChanged = errors.New("the two-factor state changed meanwhile")

// maxRecoveryRetries bounds UseRecoveryCode's compare-and-swap loop; each
// retry means another of the user's codes was used at the same moment.
const maxRecoveryRetries = 8

// TwoFactor returns userID's stored secret (empty when two-factor sign-in is
// off), the last accepted step and the hashes of the unused recovery codes;
// domain.ErrNotFound for an unknown user.
func (s *Store) TwoFactor(ctx context.Context, userID int64) (secret string, lastStep int64, recoveryHashes []string, err error) {
	var codes string
	err = scanOne(s.db.WithContext(ctx), `SELECT totp_secret, totp_last_step, recovery_codes FROM users WHERE id = @id`,
		map[string]any{"id": userID}, &secret, &lastStep, &codes)
	return secret, lastStep, strings.Fields(codes), err
}

// EnableTOTP turns two-factor sign-in on for userID with secret, step being
// the step of the code that confirmed the setup (so that code cannot sign
// in), and recoveryHashes as the unused recovery codes. It refuses with
// ErrTwoFactorChanged when two-factor sign-in is on already (a second
// set-up in another tab must not replace the first one silently), and
// returns domain.ErrNotFound for an unknown user.
func (s *Store) EnableTOTP(ctx context.Context, userID int64, secret string, step int64, recoveryHashes []string) error {
	if secret == "" {
		return domain.ErrInvalid
	}
	for _, h := range recoveryHashes {
		if h == "" || strings.ContainsAny(h, " \t\n") {
			return domain.ErrInvalid
		}
	}
	res := s.db.WithContext(ctx).Exec(`UPDATE users SET totp_secret = ?, totp_last_step = ?, recovery_codes = ?
WHERE id = ? AND totp_secret = ''`, secret, step, strings.Join(recoveryHashes, " "), userID)
	return s.changedOne(ctx, res.Error, res.RowsAffected, userID)
}

// DisableTOTP turns two-factor sign-in off for userID and forgets the
// secret and the recovery codes; turning it off when it is off is no error.
func (s *Store) DisableTOTP(ctx context.Context, userID int64) error {
	res := s.db.WithContext(ctx).Exec(`UPDATE users SET totp_secret = '', totp_last_step = 0, recovery_codes = '' WHERE id = ?`, userID)
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return domain.ErrNotFound
	}
	return nil
}

// AcceptTOTPStep records that a code of step was used for userID's secret,
// in one conditional statement: only when step is later than the last
// accepted one and the secret is still the one the code was checked
// against. ErrTwoFactorChanged otherwise, so no code signs in twice, on any
// replica, even when two requests race.
func (s *Store) AcceptTOTPStep(ctx context.Context, userID int64, secret string, step int64) error {
	if secret == "" {
		return ErrTwoFactorChanged
	}
	res := s.db.WithContext(ctx).Exec(`UPDATE users SET totp_last_step = ?
WHERE id = ? AND totp_secret = ? AND totp_last_step < ?`, step, userID, secret, step)
	return s.changedOne(ctx, res.Error, res.RowsAffected, userID)
}

// ReplaceTOTPSecret swaps old for replacement (the same secret sealed
// under a new key) when userID's secret is still old.
func (s *Store) ReplaceTOTPSecret(ctx context.Context, userID int64, old, replacement string) error {
	if old == "" || replacement == "" {
		return domain.ErrInvalid
	}
	res := s.db.WithContext(ctx).Exec(`UPDATE users SET totp_secret = ? WHERE id = ? AND totp_secret = ?`, replacement, userID, old)
	return s.changedOne(ctx, res.Error, res.RowsAffected, userID)
}

// UseRecoveryCode removes hash from userID's unused recovery codes, as a
// compare-and-swap of the whole list, so two requests racing with the same
// code cannot both succeed: ErrTwoFactorChanged when hash is not (or no
// longer) among them or two-factor sign-in is off.
func (s *Store) UseRecoveryCode(ctx context.Context, userID int64, hash string) error {
	if hash == "" {
		return ErrTwoFactorChanged
	}
	for range maxRecoveryRetries {
		secret, _, hashes, err := s.TwoFactor(ctx, userID)
		if err != nil {
			return err
		}
		if secret == "" {
			return ErrTwoFactorChanged
		}
		rest := make([]string, 0, len(hashes))
		found := false
		for _, h := range hashes {
			if h == hash && !found {
				found = true
				continue
			}
			rest = append(rest, h)
		}
		if !found {
			return ErrTwoFactorChanged
		}
		res := s.db.WithContext(ctx).Exec(`UPDATE users SET recovery_codes = ? WHERE id = ? AND recovery_codes = ? AND totp_secret <> ''`,
			strings.Join(rest, " "), userID, strings.Join(hashes, " "))
		if res.Error != nil {
			return translate(res.Error)
		}
		if res.RowsAffected == 1 {
			return nil
		}
		// Another code was used (or this one) in between: read again.
	}
	return ErrTwoFactorChanged
}

// changedOne turns the outcome of a conditional single-user update into
// nil, domain.ErrNotFound (no such user) or ErrTwoFactorChanged.
func (s *Store) changedOne(ctx context.Context, err error, rows int64, userID int64) error {
	if err != nil {
		return translate(err)
	}
	if rows == 1 {
		return nil
	}
	var one int
	if err := scanOne(s.db.WithContext(ctx), `SELECT 1 FROM users WHERE id = @id`, map[string]any{"id": userID}, &one); err != nil {
		return err
	}
	return ErrTwoFactorChanged
}
