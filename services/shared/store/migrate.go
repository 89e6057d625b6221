package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"

	"gorm.io/gorm"
)

// migration is one versioned schema step: a frozen SQL file per engine
// under migrations/<dialect>/<version>_*.sql. Steps are applied in order,
// each once, and recorded in schema_migrations; they run from the explicit
// "migrate" command (and at start in one-process mode), never from a
// replica of a split deployment. A step never changes once released: a
// schema change is a new step, so every database reaches the same schema
// whichever version it started from.
type migration struct {
	Version int
	Name    string
	// Concurrent steps run outside a transaction on PostgreSQL, statement
	// by statement, for CREATE INDEX CONCURRENTLY on a live table; their
	// files must be safe to run again from the start after a failure.
	Concurrent bool
}

var migrations = []migration{
	{1, "users, messages, follows, simulator_latest", false},
	{2, "timeline indexes over unflagged messages", true},
	{3, "account name keys, two-factor columns, sessions, sign-in throttle", false},
}

// migrationFiles holds the SQL of every step; 0000_schema_migrations.sql
// creates the version table itself.
//
//go:embed migrations
var migrationFiles embed.FS

// migrationSQL returns the statements of the file whose name starts with
// prefix in the dialect's directory.
func migrationSQL(dialect, prefix string) ([]string, error) {
	dir := path.Join("migrations", dialect)
	matches, err := fs.Glob(migrationFiles, path.Join(dir, prefix+"_*.sql"))
	if err != nil {
		return nil, err
	}
	if len(matches) != 1 {
		return nil, fmt.Errorf("want one %s/%s_*.sql, found %d", dir, prefix, len(matches))
	}
	b, err := migrationFiles.ReadFile(matches[0])
	if err != nil {
		return nil, err
	}
	return splitStatements(string(b)), nil
}

// splitStatements cuts a migration file into statements at semicolons that
// end a line, dropping comment lines; the files keep semicolons out of
// literals, so no driver needs to accept several statements in one call.
func splitStatements(src string) []string {
	var out []string
	var cur strings.Builder
	for line := range strings.SplitSeq(src, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(trimmed, ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

func versionPrefix(v int) string { return fmt.Sprintf("%04d", v) }

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
		if err := execFile(conn, s.dialect, "0000"); err != nil {
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
			record := func(tx *gorm.DB) error {
				return tx.Create(&schemaMigration{Version: m.Version, Name: m.Name, AppliedAt: time.Now().UTC()}).Error
			}
			var err error
			if m.Concurrent && s.dialect == "postgres" {
				err = execFile(conn, s.dialect, versionPrefix(m.Version))
				if err == nil {
					err = record(conn)
				}
			} else {
				err = conn.Transaction(func(tx *gorm.DB) error {
					if err := execFile(tx, s.dialect, versionPrefix(m.Version)); err != nil {
						return err
					}
					return record(tx)
				})
			}
			if err != nil {
				return fmt.Errorf("migration %d (%s): %w", m.Version, m.Name, err)
			}
			applied = append(applied, m.Version)
		}
		return nil
	})
	return applied, err
}

// execFile runs the statements of one migration file in order.
func execFile(db *gorm.DB, dialect, prefix string) error {
	stmts, err := migrationSQL(dialect, prefix)
	if err != nil {
		return err
	}
	for _, q := range stmts {
		if err := db.Exec(q).Error; err != nil {
			return fmt.Errorf("%s: %w", firstLine(q), err)
		}
	}
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
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
