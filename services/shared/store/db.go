// Package store is the GORM adapter for MiniTwit's domain: it maps rows to
// domain types and driver errors to domain errors. The same code runs on
// PostgreSQL (production) and on an embedded SQLite file (local default).
package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// ConnectTimeout bounds one attempt to open a PostgreSQL connection (name
// lookup, TCP, TLS and authentication together, see unavailableConnector; a
// URL may set a shorter connect_timeout). While the database is down a request then fails within
// this time with domain.ErrUnavailable (503) instead of hanging; connections
// are pooled, so a healthy database is rarely asked for a new one.
const ConnectTimeout = 250 * time.Millisecond

// Store implements domain.UserStore, domain.MessageStore,
// domain.FollowService and domain.LatestStore on one database.
type Store struct {
	db      *gorm.DB
	dialect string
	replica *replica // timeline and list reads, when set (UseReplica)
}

// Open connects to databaseURL: a postgres:// (or postgresql://) URL, or a
// path to an SQLite file ("sqlite:" prefix optional) created on first use.
func Open(databaseURL string) (*Store, error) { return open(databaseURL, false) }

// open is Open; lazy leaves out the connection check at start, for a
// database the service can do without for a while (a read replica: reads
// fall back to the primary while it is down).
func open(databaseURL string, lazy bool) (*Store, error) {
	cfg := &gorm.Config{
		Logger:                 logger.Default.LogMode(logger.Silent),
		TranslateError:         true,
		SkipDefaultTransaction: true,
		PrepareStmt:            false,
		DisableAutomaticPing:   lazy,
	}
	var (
		db  *gorm.DB
		err error
	)
	if strings.HasPrefix(databaseURL, "postgres://") || strings.HasPrefix(databaseURL, "postgresql://") {
		pc, err := pgx.ParseConfig(databaseURL)
		if err != nil {
			return nil, fmt.Errorf("parse database URL: %w", err)
		}
		if pc.ConnectTimeout == 0 || pc.ConnectTimeout > ConnectTimeout {
			pc.ConnectTimeout = ConnectTimeout
		}
		sqlDB := sql.OpenDB(unavailableConnector{stdlib.GetConnector(*pc)})
		db, err = gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), cfg)
		if err != nil {
			_ = sqlDB.Close()
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		if err := markUnavailable(db); err != nil {
			return nil, err
		}
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(20)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		return &Store{db: db, dialect: "postgres"}, nil
	}

	path := strings.TrimPrefix(databaseURL, "sqlite:")
	if path == "" {
		return nil, fmt.Errorf("empty database path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
	}
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)"
	db, err = gorm.Open(sqlite.Open(dsn), cfg)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	// One connection serialises writers, so SQLite never answers "database is
	// locked" under concurrent requests; local mode does not need more.
	sqlDB.SetMaxOpenConns(1)
	return &Store{db: db, dialect: "sqlite"}, nil
}

// Dialect is "postgres" or "sqlite".
func (s *Store) Dialect() string { return s.dialect }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Close releases the connection pools.
func (s *Store) Close() error {
	if s.replica != nil {
		_ = s.replica.sqlDB.Close()
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}
