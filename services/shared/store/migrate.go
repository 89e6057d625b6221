package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// migration is one versioned schema step. Steps are applied in order, each
// once, and recorded in schema_migrations; they run from the explicit
// "migrate" command (and at start in one-process mode), never from a
// replica of a split deployment.
type migration struct {
	Version int
	Name    string
	Up      func(tx *gorm.DB) error
}

var migrations = []migration{
	{1, "users, messages, follows, simulator_latest", func(tx *gorm.DB) error {
		return tx.AutoMigrate(&userRow{}, &messageRow{}, &followRow{}, &latestRow{})
	}},
}

type schemaMigration struct {
	Version   int `gorm:"primaryKey;autoIncrement:false"`
	Name      string
	AppliedAt time.Time
}

func (schemaMigration) TableName() string { return "schema_migrations" }

// MigrationStatus is one step and whether it is applied.
type MigrationStatus struct {
	Version   int
	Name      string
	AppliedAt *time.Time
}

// migrationLockID keys the PostgreSQL advisory lock that serialises
// concurrent "migrate up" runs.
const migrationLockID = 7_346_218

// Migrate applies every pending step and returns the versions it applied.
func (s *Store) Migrate(ctx context.Context) ([]int, error) {
	var applied []int
	err := s.db.WithContext(ctx).Connection(func(pinned *gorm.DB) error {
		// A fresh session per statement: without it GORM carries the table
		// of one statement into the next on a pinned connection.
		conn := pinned.Session(&gorm.Session{NewDB: true})
		if s.dialect == "postgres" {
			if err := conn.Exec("SELECT pg_advisory_lock(?)", migrationLockID).Error; err != nil {
				return fmt.Errorf("take migration lock: %w", err)
			}
			defer conn.Exec("SELECT pg_advisory_unlock(?)", migrationLockID)
		}
		if err := conn.AutoMigrate(&schemaMigration{}); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		done, err := appliedVersions(conn)
		if err != nil {
			return err
		}
		for _, m := range migrations {
			if _, ok := done[m.Version]; ok {
				continue
			}
			err := conn.Transaction(func(tx *gorm.DB) error {
				if err := m.Up(tx); err != nil {
					return err
				}
				return tx.Create(&schemaMigration{Version: m.Version, Name: m.Name, AppliedAt: time.Now().UTC()}).Error
			})
			if err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.Version, m.Name, err)
			}
			applied = append(applied, m.Version)
		}
		return nil
	})
	return applied, err
}

// MigrationStatus lists every known step with its applied time, if any.
func (s *Store) MigrationStatus(ctx context.Context) ([]MigrationStatus, error) {
	db := s.db.WithContext(ctx)
	done := map[int]time.Time{}
	if db.Migrator().HasTable(&schemaMigration{}) {
		var err error
		if done, err = appliedVersions(db); err != nil {
			return nil, err
		}
	}
	out := make([]MigrationStatus, len(migrations))
	for i, m := range migrations {
		out[i] = MigrationStatus{Version: m.Version, Name: m.Name}
		if at, ok := done[m.Version]; ok {
			at := at
			out[i].AppliedAt = &at
		}
	}
	return out, nil
}

// Pending reports how many steps are not applied.
func (s *Store) Pending(ctx context.Context) (int, error) {
	st, err := s.MigrationStatus(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range st {
		if m.AppliedAt == nil {
			n++
		}
	}
	return n, nil
}

func appliedVersions(db *gorm.DB) (map[int]time.Time, error) {
	var rows []schemaMigration
	if err := db.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	done := make(map[int]time.Time, len(rows))
	for _, r := range rows {
		done[r.Version] = r.AppliedAt
	}
	return done, nil
}

// SchemaCheck is a readiness check: it fails while migration steps this
// binary knows are not applied, so a start-first rollout never sends
// traffic to a replica whose schema the migrate job has not created yet.
type SchemaCheck struct{ Store *Store }

// Ping implements domain.Pinger.
func (c SchemaCheck) Ping(ctx context.Context) error {
	n, err := c.Store.Pending(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%d schema migration(s) pending: run the migrate step", n)
	}
	return nil
}
