package store

import (
	"context"
	"errors"
	"strings"

	"minitwit/shared/domain"
)

// KeyBackfill is what BackfillNameKeys did.
type KeyBackfill struct {
	Set      int // users who got their name key
	Collided int // users left without one: an older user holds the key
}

// BackfillNameKeys gives every user without a name key (rows imported or
// created before migration 3) the key of their name, oldest user first, in
// batches of batch users. A user whose key an older user already holds
// keeps an empty key and can still sign in by exact name; minitwit-admin verify
// lists such groups, nobody is merged. Running it again only looks at the
// users still without a key, so it is idempotent and resumable.
func (s *Store) BackfillNameKeys(ctx context.Context, batch int) (KeyBackfill, error) {
	var done KeyBackfill
	batch = min(max(batch, 1), maxBackfillBatch)
	var after int64
	for {
		var rows []userRow
		err := s.db.WithContext(ctx).Select("id", "username").
			Where("name_key = '' AND id > ?", after).Order("id").Limit(batch).Find(&rows).Error
		if err != nil {
			return done, translate(err)
		}
		if len(rows) == 0 {
			return done, nil
		}
		after = rows[len(rows)-1].ID
		set, err := s.setNameKeys(ctx, rows)
		if errors.Is(err, domain.ErrUsernameTaken) {
			// A registration took one of the keys meanwhile: one by one.
			set, err = s.setNameKeysOneByOne(ctx, rows)
		}
		if err != nil {
			return done, err
		}
		done.Set += set
		done.Collided += len(rows) - set
	}
}

// maxBackfillBatch keeps a batch's statement within every engine's limit
// on bound parameters (two per user).
const maxBackfillBatch = 5000

// setNameKeys sets the keys of rows (in id order) in one statement: each
// key goes to the first row that has it, unless a user holds it already.
func (s *Store) setNameKeys(ctx context.Context, rows []userRow) (int, error) {
	seen := map[string]bool{}
	var values []string
	var args []any
	for _, r := range rows {
		k := domain.NameKey(r.Username)
		if seen[k] {
			continue
		}
		seen[k] = true
		values = append(values, "(CAST(? AS bigint), CAST(? AS varchar(255)))")
		args = append(args, r.ID, k)
	}
	// VALUES columns are column1, column2 on PostgreSQL and SQLite alike.
	res := s.db.WithContext(ctx).Exec(`UPDATE users SET name_key = v.column2
		FROM (VALUES `+strings.Join(values, ", ")+`) AS v
		WHERE users.id = v.column1 AND users.name_key = ''
		AND NOT EXISTS (SELECT 1 FROM users AS o WHERE o.name_key = v.column2)`, args...)
	if err := translate(res.Error); err != nil {
		return 0, err
	}
	return int(res.RowsAffected), nil
}

func (s *Store) setNameKeysOneByOne(ctx context.Context, rows []userRow) (int, error) {
	set := 0
	for _, r := range rows {
		res := s.db.WithContext(ctx).Exec(`UPDATE users SET name_key = @key
			WHERE id = @id AND name_key = '' AND NOT EXISTS (SELECT 1 FROM users AS o WHERE o.name_key = @key)`,
			map[string]any{"key": domain.NameKey(r.Username), "id": r.ID})
		switch err := translate(res.Error); {
		case errors.Is(err, domain.ErrUsernameTaken):
		case err != nil:
			return set, err
		default:
			set += int(res.RowsAffected)
		}
	}
	return set, nil
}

// KeyCollision is a group of users whose names share a name key: look-alike
// accounts from before the rule, reported, never merged.
type KeyCollision struct {
	Key   string
	Users []domain.User // oldest first; only the first holds the key
}

// NameKeyCollisions lists the groups of users whose names share a key.
// It reads every username once, in batches.
func (s *Store) NameKeyCollisions(ctx context.Context) ([]KeyCollision, error) {
	groups := map[string][]domain.User{}
	var order []string
	var after int64
	for {
		var rows []userRow
		err := s.db.WithContext(ctx).Select("id", "username").
			Where("id > ?", after).Order("id").Limit(10000).Find(&rows).Error
		if err != nil {
			return nil, translate(err)
		}
		if len(rows) == 0 {
			break
		}
		for _, r := range rows {
			after = r.ID
			k := domain.NameKey(r.Username)
			if _, seen := groups[k]; !seen {
				order = append(order, k)
			}
			groups[k] = append(groups[k], domain.User{ID: r.ID, Username: r.Username})
		}
	}
	var out []KeyCollision
	for _, k := range order {
		if us := groups[k]; len(us) > 1 {
			out = append(out, KeyCollision{Key: k, Users: us})
		}
	}
	return out, nil
}
