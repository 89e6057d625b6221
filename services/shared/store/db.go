// Package store is the GORM adapter for MiniTwit's domain: it maps rows to
// domain types and driver errors to domain errors. The same code runs on
// PostgreSQL (production) and on an embedded SQLite file (local default).
package store

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
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

// StartTimeout bounds how long Open keeps trying to reach PostgreSQL. One
// attempt has ConnectTimeout, which a TLS handshake on a loaded machine can
// exceed now and then; a service (or a migrate job) that gave up after one
// attempt would exit and be restarted for nothing.
const StartTimeout = 15 * time.Second

// pingAtStart pings until the database answers or budget has passed. An
// answer that will not change by waiting (a wrong password, a missing
// database, a certificate that does not verify) ends it at once.
func pingAtStart(db *sql.DB, budget time.Duration) error {
	deadline := time.Now().Add(budget)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*ConnectTimeout)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return nil
		}
		if permanent(err) {
			return fmt.Errorf("connect to postgres: %w", err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("connect to postgres (tried for %s): %w", budget, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// permanent tells a refusal by the server (other than "starting up") or a
// failed certificate check from a database that is not there yet.
func permanent(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code != "57P03" // cannot_connect_now: starting up or shutting down
	}
	var verify *tls.CertificateVerificationError
	return errors.As(err, &verify)
}

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
		// The PostgreSQL branch pings by itself (pingAtStart).
		DisableAutomaticPing: true,
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
		if !lazy {
			if err := pingAtStart(sqlDB, StartTimeout); err != nil {
				_ = sqlDB.Close()
				return nil, err
			}
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
