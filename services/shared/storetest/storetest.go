// Package storetest gives tests fresh, migrated databases: an SQLite file
// always, and a PostgreSQL database when MINITWIT_TEST_PG_URL names a
// server (scripts/test.sh starts a throwaway cluster and sets it). With
// MINITWIT_REQUIRE_PG=1 a missing PostgreSQL fails the test instead of
// leaving it out, so CI cannot pass on SQLite alone.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"minitwit/shared/store"
)

// DB is one database under test.
type DB struct {
	Name  string // "sqlite" or "postgres"
	Store *store.Store
	URL   string
}

// Open returns one fresh migrated database per available engine; each is
// dropped when the test ends.
func Open(t testing.TB) []DB {
	t.Helper()
	return open(t, true)
}

// OpenEmpty is Open without migrating: fresh databases with no schema, for
// tests of the migrations themselves.
func OpenEmpty(t testing.TB) []DB {
	t.Helper()
	return open(t, false)
}

func open(t testing.TB, migrate bool) []DB {
	t.Helper()
	dbs := []DB{openSQLite(t, migrate)}
	if pg, ok := openPostgres(t, migrate); ok {
		dbs = append(dbs, pg)
	}
	return dbs
}

// Each runs fn as a subtest on every database Open returns.
func Each(t *testing.T, fn func(t *testing.T, db DB)) {
	for _, db := range Open(t) {
		t.Run(db.Name, func(t *testing.T) { fn(t, db) })
	}
}

func openSQLite(t testing.TB, migrate bool) DB {
	path := filepath.Join(t.TempDir(), "minitwit.db")
	st, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if !migrate {
		return DB{Name: "sqlite", Store: st, URL: path}
	}
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return DB{Name: "sqlite", Store: st, URL: path}
}

// NewPostgresDatabase creates an empty database on the server named by
// MINITWIT_TEST_PG_URL and returns its URL; ok is false when none is set.
func NewPostgresDatabase(t testing.TB) (string, bool) {
	t.Helper()
	base := os.Getenv("MINITWIT_TEST_PG_URL")
	if base == "" {
		if os.Getenv("MINITWIT_REQUIRE_PG") == "1" {
			t.Fatal("MINITWIT_REQUIRE_PG=1 but MINITWIT_TEST_PG_URL is not set")
		}
		t.Log("MINITWIT_TEST_PG_URL not set: PostgreSQL cases not run")
		return "", false
	}
	admin, err := store.Open(base)
	if err != nil {
		t.Fatal(err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "t_" + hex.EncodeToString(b[:])
	pool, err := admin.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = pool.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		_ = admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String(), true
}

func openPostgres(t testing.TB, migrate bool) (DB, bool) {
	dbURL, ok := NewPostgresDatabase(t)
	if !ok {
		return DB{}, false
	}
	st, err := store.Open(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if !migrate {
		return DB{Name: "postgres", Store: st, URL: dbURL}, true
	}
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return DB{Name: "postgres", Store: st, URL: dbURL}, true
}
