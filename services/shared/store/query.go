package store

import (
	"database/sql"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"minitwit/shared/domain"
)

// The hot statements are written out and scanned by hand: GORM's builder
// and reflective scanning cost the service more CPU than PostgreSQL spent
// answering. They still go through GORM (Raw, Exec), so its callbacks (the
// unavailable marking, the statement-count hook) see every one.

// scanOne runs q and scans its single row into dest: domain.ErrNotFound when
// there is none.
func scanOne(db *gorm.DB, q string, args map[string]any, dest ...any) error {
	var vars []any
	if args != nil {
		vars = []any{args}
	}
	err := db.Raw(q, vars...).Row().Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.ErrNotFound
	}
	return markLost(translate(err))
}

// markLost marks an error of a connection lost while rows were read (after
// GORM's callbacks ran) as domain.ErrUnavailable, as markUnavailable does
// for errors GORM sees.
func markLost(err error) error {
	if err != nil && !errors.Is(err, domain.ErrUnavailable) && connectionLost(err) {
		return fmt.Errorf("%w: database: %v", domain.ErrUnavailable, err)
	}
	return err
}
