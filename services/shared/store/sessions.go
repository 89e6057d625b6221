package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"minitwit/shared/domain"
)

// Sessions are rows the web UI checks on every signed-in request, so ending
// one (sign-out, a password change, minitwit-admin revoke-sessions) takes
// effect on every replica at once. The key is the hex SHA-256 of the
// cookie's random token: a copy of the table signs nobody in. Every
// statement goes to the primary, never a read replica: a session must work
// on the request right after sign-in, and must stop working right after
// sign-out.

// CreateSession stores a session of userID valid until expires.
func (s *Store) CreateSession(ctx context.Context, tokenHash string, userID int64, created, expires time.Time) error {
	row := sessionRow{TokenHash: tokenHash, UserID: userID, CreatedAt: created.Unix(), ExpiresAt: expires.Unix()}
	return translate(s.db.WithContext(ctx).Create(&row).Error)
}

// SessionUser returns the user of the session with tokenHash, in one
// statement (the session joined with its user): domain.ErrNotFound when
// there is no such session, it expired by now, or its user is gone.
func (s *Store) SessionUser(ctx context.Context, tokenHash string, now time.Time) (domain.User, error) {
	var u domain.User
	err := scanOne(s.db.WithContext(ctx), `SELECT u.id, u.username, u.email, u.pw_hash
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.token_hash = @hash AND s.expires_at > @now`,
		map[string]any{"hash": tokenHash, "now": now.Unix()}, &u.ID, &u.Username, &u.Email, &u.PwHash)
	return u, err
}

// DeleteSession ends one session; ending one that does not exist is no error.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	return translate(s.db.WithContext(ctx).Exec(`DELETE FROM sessions WHERE token_hash = ?`, tokenHash).Error)
}

// DeleteUserSessions ends every session of userID and returns how many there were.
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) (int64, error) {
	res := s.db.WithContext(ctx).Exec(`DELETE FROM sessions WHERE user_id = ?`, userID)
	return res.RowsAffected, translate(res.Error)
}

// PurgeExpiredSessions deletes at most limit sessions that expired by now
// and returns how many it deleted. The bound keeps one call short however
// many sessions expired since the last; callers run it now and then.
func (s *Store) PurgeExpiredSessions(ctx context.Context, now time.Time, limit int) (int64, error) {
	res := s.db.WithContext(ctx).Exec(`DELETE FROM sessions WHERE token_hash IN
(SELECT token_hash FROM sessions WHERE expires_at <= ? LIMIT ?)`, now.Unix(), limit)
	return res.RowsAffected, translate(res.Error)
}

// ChangePassword replaces the hash of userID and ends all of the user's
// sessions in one transaction, so a new password never leaves an old
// session alive; domain.ErrNotFound when there is no such user. It returns
// how many sessions ended.
func (s *Store) ChangePassword(ctx context.Context, userID int64, hash string) (int64, error) {
	var ended int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE users SET pw_hash = ? WHERE id = ?`, hash, userID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return domain.ErrNotFound
		}
		res = tx.Exec(`DELETE FROM sessions WHERE user_id = ?`, userID)
		ended = res.RowsAffected
		return res.Error
	})
	return ended, translate(err)
}
