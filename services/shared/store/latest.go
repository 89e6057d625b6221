package store

import (
	"context"
	"errors"

	"minitwit/shared/domain"
)

// Latest returns the stored simulator action id, -1 if none.
func (s *Store) Latest(ctx context.Context) (int64, error) {
	var v int64
	err := scanOne(s.db.WithContext(ctx), `SELECT value FROM simulator_latest WHERE id = 1`, nil, &v)
	if errors.Is(err, domain.ErrNotFound) {
		return -1, nil
	}
	return v, err
}

// SetLatest stores id as the latest processed simulator action.
func (s *Store) SetLatest(ctx context.Context, id int64) error {
	err := s.db.WithContext(ctx).Exec(`INSERT INTO simulator_latest (id, value) VALUES (1, @v)
		ON CONFLICT (id) DO UPDATE SET value = excluded.value`, map[string]any{"v": id}).Error
	return translate(err)
}

var (
	_ domain.UserStore     = (*Store)(nil)
	_ domain.MessageStore  = (*Store)(nil)
	_ domain.FollowService = (*Store)(nil)
	_ domain.LatestStore   = (*Store)(nil)
)
