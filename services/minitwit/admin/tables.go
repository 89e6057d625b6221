// Package admin holds MiniTwit's operator commands: the import of a legacy
// (Flask) SQLite database, its verification, a generator of legacy databases
// for drills, and moderation. cmd/minitwit-admin wires them to flags.
package admin

import (
	"database/sql"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"minitwit/shared/domain"
	"minitwit/shared/store"
)

// table maps one legacy table onto its current one. legacy is a SELECT whose
// columns carry the target names, with the documented normalisation applied
// (NULL text is empty, NULL pub_date is 0, flagged is non-zero, duplicate and
// NULL follow rows dropped), so import and verification read the same rows.
// The current columns, their kinds and the key come from the store's layout
// of its row structs, so they are stated once.
type table struct {
	name    string // current table
	legacy  string // SELECT over the legacy schema, columns named as in cols
	columns []store.Column
	cols    []string // column names in order; the key columns come first
	key     []string
}

// legacySelects name, in import order, each current table and the SELECT
// that reads it from the legacy schema.
var legacySelects = []struct{ name, legacy string }{
	{"users", `SELECT user_id AS id, username AS username, COALESCE(email, '') AS email, COALESCE(pw_hash, '') AS pw_hash, '' AS name_key, '' AS totp_secret, 0 AS totp_last_step, '' AS recovery_codes FROM "user"`},
	{"follows", `SELECT DISTINCT who_id AS who_id, whom_id AS whom_id FROM follower WHERE who_id IS NOT NULL AND whom_id IS NOT NULL`},
	{"messages", `SELECT message_id AS id, author_id AS author_id, COALESCE(text, '') AS text, COALESCE(pub_date, 0) AS pub_date, COALESCE(flagged, 0) != 0 AS flagged FROM message`},
}

var tables = mustTables()

func mustTables() []table {
	out := make([]table, len(legacySelects))
	for i, ls := range legacySelects {
		l, err := store.TableLayout(ls.name)
		if err != nil {
			panic(err)
		}
		cols := l.ColumnNames()
		// keyOf reads the key from the front of a row.
		if !slices.Equal(cols[:len(l.Key)], l.Key) {
			panic(fmt.Sprintf("%s: key %v is not the first columns of %v", ls.name, l.Key, cols))
		}
		out[i] = table{name: ls.name, legacy: ls.legacy, columns: l.Columns, cols: cols, key: l.Key}
	}
	return out
}

// row is one record in column order.
type row = []any

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
	dest := make([]any, len(t.columns))
	for i, c := range t.columns {
		switch c.Kind {
		case reflect.Int64:
			dest[i] = new(int64)
		case reflect.String:
			dest[i] = new(string)
		case reflect.Bool:
			dest[i] = new(bool)
		default:
			return nil, fmt.Errorf("%s.%s: no scan for kind %s", t.name, c.Name, c.Kind)
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
	t.ignoreDerived(r)
	return r, nil
}

// ignoreDerived blanks users.name_key where it is the key of the row's
// username: the key is derived (BackfillNameKeys sets it after an import;
// the legacy side has none), so a right key or none compares equal and
// only a wrong one shows as a difference.
func (t table) ignoreDerived(r row) {
	if t.name != "users" {
		return
	}
	name, key := slices.Index(t.cols, "username"), slices.Index(t.cols, "name_key")
	if name < 0 || key < 0 {
		return
	}
	if k, _ := r[key].(string); k != "" && k == domain.NameKey(r[name].(string)) {
		r[key] = ""
	}
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

// keyAfter is the keyset condition "key > the given values" on the legacy
// database, binding len(t.key) parameters.
func (t table) keyAfter() string {
	if len(t.key) == 1 {
		return t.key[0] + " > ?"
	}
	return "(" + strings.Join(t.key, ", ") + ") > (?" + strings.Repeat(", ?", len(t.key)-1) + ")"
}

func (t table) orderBy() string { return strings.Join(t.key, ", ") }
