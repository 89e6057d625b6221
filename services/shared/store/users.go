package store

import (
	"context"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"minitwit/shared/domain"
)

func (r userRow) toDomain() domain.User {
	return domain.User{ID: r.ID, Username: r.Username, Email: r.Email, PwHash: r.PwHash}
}

// CreateUser stores u with its name key (domain.NameKey), so two names
// that differ only in case, composition or width cannot both exist:
// domain.ErrUsernameTaken when the name or its key is in use, decided by
// the unique indexes even for concurrent registrations.
func (s *Store) CreateUser(ctx context.Context, u domain.User) (domain.User, error) {
	row := userRow{Username: u.Username, Email: u.Email, PwHash: u.PwHash, NameKey: domain.NameKey(u.Username)}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return domain.User{}, translate(err)
	}
	return row.toDomain(), nil
}

// lookupName is the form names are looked up in: NFC, as they are stored.
// ok is false for a name no user can have because the database would
// refuse it (invalid UTF-8, NUL, far too long): such a name never reaches
// it, and the caller answers "not found".
func lookupName(name string) (string, bool) {
	if name == "" || len(name) > 4*domain.MaxUsernameBytes || !utf8.ValidString(name) || strings.ContainsRune(name, 0) {
		return "", false
	}
	return norm.NFC.String(name), true
}

// UserByName looks a user up by username, NFC-normalised like every name
// that is stored.
func (s *Store) UserByName(ctx context.Context, username string) (domain.User, error) {
	name, ok := lookupName(username)
	if !ok {
		return domain.User{}, domain.ErrNotFound
	}
	var u domain.User
	err := scanOne(s.db.WithContext(ctx), `SELECT id, username, email, pw_hash FROM users WHERE username = @name`,
		map[string]any{"name": name}, &u.ID, &u.Username, &u.Email, &u.PwHash)
	return u, err
}

// UserByNameKey looks a user up by name key (domain.NameKey); the key is
// unique where set, and the empty key (legacy rows not yet keyed) matches nobody.
func (s *Store) UserByNameKey(ctx context.Context, key string) (domain.User, error) {
	if key == "" || len(key) > 4*domain.MaxUsernameBytes || !utf8.ValidString(key) || strings.ContainsRune(key, 0) {
		return domain.User{}, domain.ErrNotFound
	}
	var u domain.User
	err := scanOne(s.db.WithContext(ctx), `SELECT id, username, email, pw_hash FROM users WHERE name_key = @key`,
		map[string]any{"key": key}, &u.ID, &u.Username, &u.Email, &u.PwHash)
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

// NameTaken tells in one statement whether a user has the name (NFC) or
// the name key.
func (s *Store) NameTaken(ctx context.Context, name, key string) (bool, error) {
	name, ok := lookupName(name)
	if !ok {
		return false, nil
	}
	var taken bool
	err := scanOne(s.db.WithContext(ctx), `SELECT EXISTS (SELECT 1 FROM users WHERE username = @name OR (name_key = @key AND name_key <> ''))`,
		map[string]any{"name": name, "key": key}, &taken)
	return taken, err
}
