package store

import (
	"context"
	"database/sql"

	"gorm.io/gorm"

	"minitwit/shared/domain"
)

// lookupPair puts both names in the form they are stored in (NFC); ok is
// false when either could be no user's name (see lookupName).
func lookupPair(who, whom string) (string, string, bool) {
	who, ok1 := lookupName(who)
	whom, ok2 := lookupName(whom)
	return who, whom, ok1 && ok2
}

// userIDs resolves both names in one query; domain.ErrNotFound if either is unknown.
func (s *Store) userIDs(ctx context.Context, who, whom string) (int64, int64, error) {
	var rows []userRow
	err := s.db.WithContext(ctx).Select("id", "username").
		Where("username IN ?", []string{who, whom}).Find(&rows).Error
	if err != nil {
		return 0, 0, translate(err)
	}
	var whoID, whomID int64
	for _, r := range rows {
		if r.Username == who {
			whoID = r.ID
		}
		if r.Username == whom {
			whomID = r.ID
		}
	}
	if whoID == 0 || whomID == 0 {
		return 0, 0, domain.ErrNotFound
	}
	return whoID, whomID, nil
}

// Follow makes who follow whom; following twice is not an error. The
// usual case is one statement that resolves both names and inserts; only
// when it inserts nothing does a second one tell an unknown name, oneself
// and an existing follow apart.
func (s *Store) Follow(ctx context.Context, who, whom string) error {
	who, whom, ok := lookupPair(who, whom)
	if !ok {
		return domain.ErrNotFound
	}
	res := s.db.WithContext(ctx).Exec(`INSERT INTO follows (who_id, whom_id)
		SELECT a.id, b.id FROM users AS a, users AS b
		WHERE a.username = @who AND b.username = @whom AND a.id <> b.id
		ON CONFLICT DO NOTHING`, map[string]any{"who": who, "whom": whom})
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected > 0 {
		return nil
	}
	whoID, whomID, err := s.userIDs(ctx, who, whom)
	if err != nil {
		return err
	}
	if whoID == whomID {
		return domain.ErrFollowSelf
	}
	return nil // already following
}

// Unfollow removes the pair if present: one statement when it was, a
// second to tell an unknown name from a pair that was not there.
func (s *Store) Unfollow(ctx context.Context, who, whom string) error {
	who, whom, ok := lookupPair(who, whom)
	if !ok {
		return domain.ErrNotFound
	}
	res := s.db.WithContext(ctx).Exec(`DELETE FROM follows
		WHERE who_id = (SELECT id FROM users WHERE username = @who)
		AND whom_id = (SELECT id FROM users WHERE username = @whom)`, map[string]any{"who": who, "whom": whom})
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected > 0 {
		return nil
	}
	_, _, err := s.userIDs(ctx, who, whom)
	return err
}

// IsFollowing tells whether who follows whom, in one statement that also
// tells an unknown name apart.
func (s *Store) IsFollowing(ctx context.Context, who, whom string) (bool, error) {
	who, whom, ok := lookupPair(who, whom)
	if !ok {
		return false, domain.ErrNotFound
	}
	var row struct {
		WhoID, WhomID *int64
		Following     bool
	}
	err := s.db.WithContext(ctx).Raw(`SELECT
		(SELECT id FROM users WHERE username = @who) AS who_id,
		(SELECT id FROM users WHERE username = @whom) AS whom_id,
		EXISTS (SELECT 1 FROM follows AS f
			JOIN users AS a ON a.id = f.who_id JOIN users AS b ON b.id = f.whom_id
			WHERE a.username = @who AND b.username = @whom) AS following`,
		map[string]any{"who": who, "whom": whom}).Scan(&row).Error
	if err != nil {
		return false, translate(err)
	}
	if row.WhoID == nil || row.WhomID == nil {
		return false, domain.ErrNotFound
	}
	return row.Following, nil
}

// followingSQL lists whom a user follows in the order of the followees'
// ids: the follows primary key (who_id, whom_id) serves it as one index
// range read up to the limit, however many the user follows (ordering by
// name would read and sort every followee first). A NULL row instead of
// the list says the user does not exist, so one statement answers both.
const followingSQL = `SELECT k.username FROM (
	SELECT u.username FROM follows AS f JOIN users AS u ON u.id = f.whom_id
	WHERE f.who_id = (SELECT id FROM users WHERE username = @who)
	ORDER BY f.whom_id LIMIT @lim) AS k
	UNION ALL SELECT NULL WHERE NOT EXISTS (SELECT 1 FROM users WHERE username = @who)`

// Following lists at most limit usernames that who follows, in the order
// the followed users signed up.
func (s *Store) Following(ctx context.Context, who string, limit int) ([]string, error) {
	who, ok := lookupName(who)
	if !ok {
		return nil, domain.ErrNotFound
	}
	var names []sql.NullString
	err := s.read(ctx, func(db *gorm.DB) error {
		names = nil
		return translate(db.Raw(followingSQL, map[string]any{"who": who, "lim": limit}).Scan(&names).Error)
	})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(names))
	for _, n := range names {
		if !n.Valid {
			return nil, domain.ErrNotFound
		}
		out = append(out, n.String)
	}
	return out, nil
}
