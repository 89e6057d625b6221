package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// The bulk path copies whole tables with their ids, for the legacy import
// and its verification. Queries name only tables and columns from the row
// structs' layouts, never input.

// insertChunk bounds the rows of one INSERT: 1000 rows of 5 columns stay
// well under SQLite's and PostgreSQL's limits on bind parameters.
const insertChunk = 1000

// SQLDB returns the connection pool: for its statistics (the metrics
// watcher) and for tests that set up states in plain SQL. GORM stays here.
func (s *Store) SQLDB() (*sql.DB, error) { return s.db.DB() }

func (s *Store) placeholder(n int) string {
	if s.dialect == "postgres" {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

// InsertRows writes rows (values in the layout's column order, with their
// ids) into table in one transaction, skipping rows whose key is already
// there, so an interrupted copy leaves whole batches only.
func (s *Store) InsertRows(ctx context.Context, table string, rows [][]any) error {
	l, err := TableLayout(table)
	if err != nil {
		return err
	}
	db, err := s.db.DB()
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	head := "INSERT INTO " + l.Table + " (" + strings.Join(l.ColumnNames(), ", ") + ") VALUES "
	for len(rows) > 0 {
		chunk := rows[:min(insertChunk, len(rows))]
		rows = rows[len(chunk):]
		var sb strings.Builder
		sb.WriteString(head)
		args := make([]any, 0, len(chunk)*len(l.Columns))
		for i, r := range chunk {
			if len(r) != len(l.Columns) {
				return fmt.Errorf("%s: row has %d values, the table %d columns", l.Table, len(r), len(l.Columns))
			}
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteByte('(')
			for j := range r {
				if j > 0 {
					sb.WriteString(", ")
				}
				args = append(args, r[j])
				sb.WriteString(s.placeholder(len(args)))
			}
			sb.WriteByte(')')
		}
		sb.WriteString(" ON CONFLICT DO NOTHING")
		if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// inRange limits table to keys whose every column is at most maxKey.
func (s *Store) inRange(l Layout) string {
	conds := make([]string, len(l.Key))
	for i, k := range l.Key {
		conds[i] = k + " <= " + s.placeholder(i+1)
	}
	return strings.Join(conds, " AND ")
}

func keyOrder(l Layout, dir string) string {
	parts := make([]string, len(l.Key))
	for i, k := range l.Key {
		parts[i] = k + dir
	}
	return strings.Join(parts, ", ")
}

func repeatArg(v int64, n int) []any {
	a := make([]any, n)
	for i := range a {
		a[i] = v
	}
	return a
}

// HighestKey returns the highest key of table among rows whose key columns
// are all at most maxKey; ok is false when there is none.
func (s *Store) HighestKey(ctx context.Context, table string, maxKey int64) (key []int64, ok bool, err error) {
	l, err := TableLayout(table)
	if err != nil {
		return nil, false, err
	}
	db, err := s.db.DB()
	if err != nil {
		return nil, false, err
	}
	q := "SELECT " + strings.Join(l.Key, ", ") + " FROM " + l.Table +
		" WHERE " + s.inRange(l) + " ORDER BY " + keyOrder(l, " DESC") + " LIMIT 1"
	key = make([]int64, len(l.Key))
	dest := make([]any, len(key))
	for i := range key {
		dest[i] = &key[i]
	}
	err = db.QueryRowContext(ctx, q, repeatArg(maxKey, len(l.Key))...).Scan(dest...)
	if err == sql.ErrNoRows {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("%s: highest key: %w", l.Table, err)
	}
	return key, true, nil
}

// RowsInRange reads every column of table, in key order, for rows whose
// key columns are all at most maxKey. The caller closes the rows.
func (s *Store) RowsInRange(ctx context.Context, table string, maxKey int64) (*sql.Rows, error) {
	l, err := TableLayout(table)
	if err != nil {
		return nil, err
	}
	db, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	q := "SELECT " + strings.Join(l.ColumnNames(), ", ") + " FROM " + l.Table +
		" WHERE " + s.inRange(l) + " ORDER BY " + keyOrder(l, "")
	return db.QueryContext(ctx, q, repeatArg(maxKey, len(l.Key))...)
}

// SequenceState is where an id sequence stands.
type SequenceState struct {
	Name  string
	Value int64
}

// AdvanceSequences moves the PostgreSQL id sequences past ids written
// explicitly (which sequences do not notice), so the next sign-up does not
// collide with an imported user. The user sequence also passes ids that
// only messages or follows mention, so a new user never inherits an
// orphaned message or follow. SQLite needs nothing and returns none.
func (s *Store) AdvanceSequences(ctx context.Context) ([]SequenceState, error) {
	if s.dialect != "postgres" {
		return nil, nil
	}
	db, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	highest := map[string]string{
		"users": "SELECT GREATEST((SELECT MAX(id) FROM users), (SELECT MAX(author_id) FROM messages)," +
			" (SELECT MAX(who_id) FROM follows), (SELECT MAX(whom_id) FROM follows))",
		"messages": "SELECT MAX(id) FROM messages",
	}
	var out []SequenceState
	for _, tbl := range []string{"users", "messages"} {
		var seq sql.NullString
		if err := db.QueryRowContext(ctx, "SELECT pg_get_serial_sequence($1, 'id')", tbl).Scan(&seq); err != nil {
			return out, fmt.Errorf("find sequence of %s: %w", tbl, err)
		}
		if !seq.Valid {
			return out, fmt.Errorf("%s.id has no sequence", tbl)
		}
		// The sequence name comes from the catalog, not from input.
		q := "SELECT setval($1, GREATEST((" + highest[tbl] + "), (SELECT last_value FROM " + seq.String + "), 1))"
		var v int64
		if err := db.QueryRowContext(ctx, q, seq.String).Scan(&v); err != nil {
			return out, fmt.Errorf("advance %s: %w", seq.String, err)
		}
		out = append(out, SequenceState{Name: seq.String, Value: v})
	}
	return out, nil
}
