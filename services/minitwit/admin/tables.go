// Package admin holds MiniTwit's operator commands: the import of a legacy
// (Flask) SQLite database, its verification, a generator of legacy databases
// for drills, and moderation. cmd/minitwit-admin wires them to flags.
package admin

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// table maps one legacy table onto its current one. legacy is a SELECT whose
// columns carry the target names, with the documented normalisation applied
// (NULL text is empty, NULL pub_date is 0, flagged is non-zero, duplicate and
// NULL follow rows dropped), so import and verification read the same rows.
type table struct {
	name   string   // current table
	legacy string   // SELECT over the legacy schema, columns named as in cols
	cols   []string // current columns; the first len(key) form the order key
	kinds  string   // one letter per column: i int64, s string, b bool
	key    []string
}

var tables = []table{
	{
		name:   "users",
		legacy: `SELECT user_id AS id, username AS username, COALESCE(email, '') AS email, COALESCE(pw_hash, '') AS pw_hash FROM "user"`,
		cols:   []string{"id", "username", "email", "pw_hash"},
		kinds:  "isss",
		key:    []string{"id"},
	},
	{
		name:   "follows",
		legacy: `SELECT DISTINCT who_id AS who_id, whom_id AS whom_id FROM follower WHERE who_id IS NOT NULL AND whom_id IS NOT NULL`,
		cols:   []string{"who_id", "whom_id"},
		kinds:  "ii",
		key:    []string{"who_id", "whom_id"},
	},
	{
		name:   "messages",
		legacy: `SELECT message_id AS id, author_id AS author_id, COALESCE(text, '') AS text, COALESCE(pub_date, 0) AS pub_date, COALESCE(flagged, 0) != 0 AS flagged FROM message`,
		cols:   []string{"id", "author_id", "text", "pub_date", "flagged"},
		kinds:  "iisib",
		key:    []string{"id"},
	},
}

// row is one record in column order.
type row []any

// keyOf returns the order key of r.
func (t table) keyOf(r row) []int64 {
	k := make([]int64, len(t.key))
	for i := range t.key {
		k[i] = r[i].(int64)
	}
	return k
}

// scan reads the current row of rs into a row, refusing text that
// PostgreSQL cannot store, so a bad legacy row is named instead of failing
// a whole batch with a driver error.
func (t table) scan(rs *sql.Rows) (row, error) {
	dest := make([]any, len(t.kinds))
	for i, k := range t.kinds {
		switch k {
		case 'i':
			dest[i] = new(int64)
		case 's':
			dest[i] = new(string)
		case 'b':
			dest[i] = new(bool)
		}
	}
	if err := rs.Scan(dest...); err != nil {
		return nil, fmt.Errorf("%s: read row: %w", t.name, err)
	}
	r := make(row, len(dest))
	for i, d := range dest {
		switch v := d.(type) {
		case *int64:
			r[i] = *v
		case *string:
			if !utf8.ValidString(*v) || strings.ContainsRune(*v, 0) {
				return nil, fmt.Errorf("%s %v: column %s is not valid UTF-8 text (or holds a NUL byte); fix that legacy row first",
					t.name, t.keyOf(r[:len(t.key)]), t.cols[i])
			}
			r[i] = *v
		case *bool:
			r[i] = *v
		}
	}
	return r, nil
}

// appendCanonical writes r as one unambiguous line, the unit of the
// verification checksum: integers in decimal, strings Go-quoted, booleans 0/1.
func appendCanonical(b []byte, r row) []byte {
	for i, v := range r {
		if i > 0 {
			b = append(b, ',')
		}
		switch v := v.(type) {
		case int64:
			b = strconv.AppendInt(b, v, 10)
		case string:
			b = strconv.AppendQuote(b, v)
		case bool:
			if v {
				b = append(b, '1')
			} else {
				b = append(b, '0')
			}
		}
	}
	return append(b, '\n')
}

// keyAfter is the keyset condition "key > the given values" for n values
// starting at placeholder number first.
func (t table) keyAfter(ph placeholders, first int) string {
	if len(t.key) == 1 {
		return t.key[0] + " > " + ph(first)
	}
	vals := make([]string, len(t.key))
	for i := range t.key {
		vals[i] = ph(first + i)
	}
	return "(" + strings.Join(t.key, ", ") + ") > (" + strings.Join(vals, ", ") + ")"
}

// inRange limits the current table to the legacy id range, so rows written
// by the service after the import do not count as differences. It binds
// len(t.key) parameters from number first, each the range's upper bound.
func (t table) inRange(ph placeholders, first int) string {
	conds := make([]string, len(t.key))
	for i, k := range t.key {
		conds[i] = k + " <= " + ph(first+i)
	}
	return strings.Join(conds, " AND ")
}

func (t table) orderBy(desc bool) string {
	dir := ""
	if desc {
		dir = " DESC"
	}
	parts := make([]string, len(t.key))
	for i, k := range t.key {
		parts[i] = k + dir
	}
	return strings.Join(parts, ", ")
}

// placeholders renders bind parameter n (1-based) for a dialect.
type placeholders func(n int) string

func placeholdersFor(dialect string) placeholders {
	if dialect == "postgres" {
		return func(n int) string { return "$" + strconv.Itoa(n) }
	}
	return func(int) string { return "?" }
}
