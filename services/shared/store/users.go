package store

import (
	"context"

	"minitwit/shared/domain"
)

func (r userRow) toDomain() domain.User {
	return domain.User{ID: r.ID, Username: r.Username, Email: r.Email, PwHash: r.PwHash}
}

// CreateUser stores u; domain.ErrUsernameTaken when the name is in use.
func (s *Store) CreateUser(ctx context.Context, u domain.User) (domain.User, error) {
	row := userRow{Username: u.Username, Email: u.Email, PwHash: u.PwHash}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return domain.User{}, translate(err)
	}
	return row.toDomain(), nil
}

// UserByName looks a user up by exact username.
func (s *Store) UserByName(ctx context.Context, username string) (domain.User, error) {
	var u domain.User
	err := scanOne(s.db.WithContext(ctx), `SELECT id, username, email, pw_hash FROM users WHERE username = @name`,
		map[string]any{"name": username}, &u.ID, &u.Username, &u.Email, &u.PwHash)
	return u, err
}

// UserByID looks a user up by id.
func (s *Store) UserByID(ctx context.Context, id int64) (domain.User, error) {
	var u domain.User
	err := scanOne(s.db.WithContext(ctx), `SELECT id, username, email, pw_hash FROM users WHERE id = @id`,
		map[string]any{"id": id}, &u.ID, &u.Username, &u.Email, &u.PwHash)
	return u, err
}

// UpdatePasswordHash replaces the stored hash of user id.
func (s *Store) UpdatePasswordHash(ctx context.Context, id int64, hash string) error {
	return s.updateByID(ctx, &userRow{}, id, "pw_hash", hash)
}
