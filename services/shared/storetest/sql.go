package storetest

import (
	"database/sql"
	"strconv"
	"strings"
	"testing"
)

// Exec runs a statement written with ? placeholders on db, for tests that
// set up states the domain API cannot (a flagged message, a deleted user).
func (db DB) Exec(t testing.TB, query string, args ...any) {
	t.Helper()
	if _, err := db.pool(t).Exec(db.rebind(query), args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// QueryRow runs a query written with ? placeholders on db.
func (db DB) QueryRow(t testing.TB, query string, args ...any) *sql.Row {
	t.Helper()
	return db.pool(t).QueryRow(db.rebind(query), args...)
}

// Query runs a query written with ? placeholders on db; the caller closes
// the rows.
func (db DB) Query(t testing.TB, query string, args ...any) *sql.Rows {
	t.Helper()
	rows, err := db.pool(t).Query(db.rebind(query), args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return rows
}

// Count returns the number of rows in table.
func (db DB) Count(t testing.TB, table string) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(t, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (db DB) pool(t testing.TB) *sql.DB {
	t.Helper()
	p, err := db.Store.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// rebind turns ? placeholders outside quoted text into PostgreSQL's $n.
func (db DB) rebind(query string) string {
	if db.Store.Dialect() != "postgres" {
		return query
	}
	var sb strings.Builder
	n := 0
	var quote rune
	for _, r := range query {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '?':
			n++
			sb.WriteString("$" + strconv.Itoa(n))
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String()
}
