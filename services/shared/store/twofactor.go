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

// The conditional updates below report false, with no error, when the
// user's two-factor state is no longer what the caller read: turned on or
// off meanwhile, the step already used, the recovery code gone. They
// return domain.ErrNotFound for an unknown user.

// EnableTOTP turns two-factor sign-in on for userID with secret, step being
// the step of the code that confirmed the setup (so that code cannot sign
// in), and recoveryHashes as the unused recovery codes; false when
// two-factor sign-in is on already (a second set-up in another tab must
// not replace the first one silently).
func (s *Store) EnableTOTP(ctx context.Context, userID int64, secret string, step int64, recoveryHashes []string) (bool, error) {
	if secret == "" {
		return false, domain.ErrInvalid
	}
	for _, h := range recoveryHashes {
		if h == "" || strings.ContainsAny(h, " \t\n") {
			return false, domain.ErrInvalid
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
// against; false otherwise, so no code signs in twice, on any replica,
// even when two requests race.
func (s *Store) AcceptTOTPStep(ctx context.Context, userID int64, secret string, step int64) (bool, error) {
	if secret == "" {
		return false, nil
	}
	res := s.db.WithContext(ctx).Exec(`UPDATE users SET totp_last_step = ?
WHERE id = ? AND totp_secret = ? AND totp_last_step < ?`, step, userID, secret, step)
	return s.changedOne(ctx, res.Error, res.RowsAffected, userID)
}

// ReplaceTOTPSecret swaps old for replacement (the same secret sealed
// under a new key) when userID's secret is still old.
func (s *Store) ReplaceTOTPSecret(ctx context.Context, userID int64, old, replacement string) (bool, error) {
	if old == "" || replacement == "" {
		return false, domain.ErrInvalid
	}
	res := s.db.WithContext(ctx).Exec(`UPDATE users SET totp_secret = ? WHERE id = ? AND totp_secret = ?`, replacement, userID, old)
	return s.changedOne(ctx, res.Error, res.RowsAffected, userID)
}

// UseRecoveryCode removes hash from userID's unused recovery codes, as a
// compare-and-swap of the whole list, so two requests racing with the same
// code cannot both succeed: false when hash is not (or no longer) among
// them or two-factor sign-in is off.
func (s *Store) UseRecoveryCode(ctx context.Context, userID int64, hash string) (bool, error) {
	if hash == "" {
		return false, nil
	}
	for range maxRecoveryRetries {
		secret, _, hashes, err := s.TwoFactor(ctx, userID)
		if err != nil {
			return false, err
		}
		if secret == "" {
			return false, nil
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
			return false, nil
		}
		res := s.db.WithContext(ctx).Exec(`UPDATE users SET recovery_codes = ? WHERE id = ? AND recovery_codes = ? AND totp_secret <> ''`,
			strings.Join(rest, " "), userID, strings.Join(hashes, " "))
		if res.Error != nil {
			return false, translate(res.Error)
		}
		if res.RowsAffected == 1 {
			return true, nil
		}
		// Another code was used (or this one) in between: read again.
	}
	return false, errors.New("store: recovery codes kept changing while one was used")
}

// changedOne turns the outcome of a conditional single-user update into
// true, false (the condition did not hold) or domain.ErrNotFound (no such
// user).
func (s *Store) changedOne(ctx context.Context, err error, rows int64, userID int64) (bool, error) {
	if err != nil {
		return false, translate(err)
	}
	if rows == 1 {
		return true, nil
	}
	var one int
	if err := scanOne(s.db.WithContext(ctx), `SELECT 1 FROM users WHERE id = @id`, map[string]any{"id": userID}, &one); err != nil {
		return false, err
	}
	return false, nil
}
