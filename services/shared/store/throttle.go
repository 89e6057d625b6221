package store

import (
	"context"
)

// Sign-in throttling state, in the database so every replica shares it.
// Keys are "user:<name key>" and "client:<address>" (package account
// chooses them); times are Unix seconds.

// SignInThrottle reads keys' state in one statement: the latest time
// until which any of them is refused (0 when none is) and the keys that
// have failures on record.
func (s *Store) SignInThrottle(ctx context.Context, keys []string) (blockedUntil int64, failing []string, err error) {
	var rows []throttleRow
	err = s.db.WithContext(ctx).Raw(`SELECT key, failures, blocked_until FROM sign_in_throttle WHERE key IN @keys`,
		map[string]any{"keys": keys}).Scan(&rows).Error
	if err != nil {
		return 0, nil, markLost(translate(err))
	}
	for _, r := range rows {
		blockedUntil = max(blockedUntil, r.BlockedUntil)
		if r.Failures > 0 {
			failing = append(failing, r.Key)
		}
	}
	return blockedUntil, failing, nil
}

// RecordSignInFailure counts one failed sign-in for key at now and returns
// the failures in the current run; a run ends forgetAfter seconds after
// its last failure. The increment is one statement, so replicas counting
// at once lose nothing.
func (s *Store) RecordSignInFailure(ctx context.Context, key string, now, forgetAfter int64) (int64, error) {
	var failures int64
	err := scanOne(s.db.WithContext(ctx), `INSERT INTO sign_in_throttle (key, failures, last_failure, blocked_until)
		VALUES (@key, 1, @now, 0)
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN sign_in_throttle.last_failure < @stale THEN 1 ELSE sign_in_throttle.failures + 1 END,
			last_failure = @now
		RETURNING failures`,
		map[string]any{"key": key, "now": now, "stale": now - forgetAfter}, &failures)
	return failures, err
}

// BlockSignIns refuses key until the given time (never shortening a
// block already in place).
func (s *Store) BlockSignIns(ctx context.Context, key string, until int64) error {
	return translate(s.db.WithContext(ctx).Exec(`UPDATE sign_in_throttle SET blocked_until = @until
		WHERE key = @key AND blocked_until < @until`, map[string]any{"key": key, "until": until}).Error)
}

// ResetSignIns forgets key's failures (after a successful sign-in).
func (s *Store) ResetSignIns(ctx context.Context, key string) error {
	return translate(s.db.WithContext(ctx).Exec(`DELETE FROM sign_in_throttle WHERE key = @key`,
		map[string]any{"key": key}).Error)
}

// PurgeSignInThrottle deletes the rows whose last failure is older than
// before and that block nothing any more, so guessed names do not pile up.
func (s *Store) PurgeSignInThrottle(ctx context.Context, before int64) (int64, error) {
	res := s.db.WithContext(ctx).Exec(`DELETE FROM sign_in_throttle WHERE last_failure < @before AND blocked_until < @before`,
		map[string]any{"before": before})
	return res.RowsAffected, translate(res.Error)
}
