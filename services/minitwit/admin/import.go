package admin

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"
	"time"

	"minitwit/shared/store"
)

// ImportOptions tune an import.
type ImportOptions struct {
	Batch    int       // rows per committed transaction; 5000 when 0
	Progress io.Writer // progress bars and the report; nil: silent
	// afterBatch runs after each committed batch; tests use it to interrupt
	// an import at a known point.
	afterBatch func(table string)
}

// ImportReport says what an import did.
type ImportReport struct {
	Imported map[string]int64 // rows sent this run per table (conflicts not counted apart)
	Resumed  map[string]bool  // whether a table continued an earlier run
	Verify   VerifyReport
	Elapsed  time.Duration
}

// insertChunk bounds the rows of one INSERT: 1000 rows of 5 columns stay
// well under SQLite's and PostgreSQL's limits on bind parameters.
const insertChunk = 1000

// Import copies the legacy database at legacyPath into dst (migrated first),
// table by table in key order, one transaction per batch. Rows keep their
// legacy ids and go in with ON CONFLICT DO NOTHING, so a re-run adds nothing
// twice; a run resumes after the highest key already present in the legacy
// range, because batches commit in key order. It ends with Verify and
// returns its error when anything differs.
func Import(ctx context.Context, legacyPath string, dst *store.Store, opt ImportOptions) (ImportReport, error) {
	start := time.Now()
	rep := ImportReport{Imported: map[string]int64{}, Resumed: map[string]bool{}}
	if opt.Batch <= 0 {
		opt.Batch = 5000
	}
	out := opt.Progress
	if out == nil {
		out = io.Discard
	}
	src, err := openLegacy(ctx, legacyPath)
	if err != nil {
		return rep, err
	}
	defer src.Close()
	facts, err := inspectLegacy(ctx, src)
	if err != nil {
		return rep, err
	}
	fmt.Fprintf(out, "legacy %s: %d users, %d follows, %d messages\n",
		legacyPath, facts.Rows["users"], facts.Rows["follows"], facts.Rows["messages"])
	if facts.FollowDupes > 0 || facts.FollowNulls > 0 {
		fmt.Fprintf(out, "note: %d repeated follow rows collapse into one pair; %d follow rows with a NULL id are skipped\n",
			facts.FollowDupes, facts.FollowNulls)
	}
	if facts.Orphans > 0 {
		fmt.Fprintf(out, "note: %d messages have an author that is not a user; imported as they are, shown in no timeline (as before)\n", facts.Orphans)
	}

	applied, err := dst.Migrate(ctx)
	if err != nil {
		return rep, fmt.Errorf("migrate target: %w", err)
	}
	for _, v := range applied {
		fmt.Fprintf(out, "applied migration %d to the target\n", v)
	}
	dstDB, err := dst.DB().DB()
	if err != nil {
		return rep, err
	}
	ph := placeholdersFor(dst.Dialect())
	for _, t := range tables {
		n, resumed, err := importTable(ctx, src, dstDB, ph, t, facts, opt, out)
		rep.Imported[t.name], rep.Resumed[t.name] = n, resumed
		if err != nil {
			return rep, err
		}
	}
	if dst.Dialect() == "postgres" {
		if err := advanceSequences(ctx, dstDB, out); err != nil {
			return rep, err
		}
	}
	rep.Verify, err = verify(ctx, src, dstDB, ph, facts)
	rep.Elapsed = time.Since(start)
	rep.Verify.print(out)
	return rep, err
}

// importTable copies one table from the resume point on and returns the
// rows it sent.
func importTable(ctx context.Context, src, dst *sql.DB, ph placeholders, t table, facts legacyFacts, opt ImportOptions, out io.Writer) (int64, bool, error) {
	after, resumed, err := resumePoint(ctx, dst, ph, t, facts.MaxKey[t.name])
	if err != nil {
		return 0, false, err
	}
	done := int64(0)
	if resumed {
		q := "SELECT COUNT(*) FROM (" + t.legacy + ") AS t WHERE NOT (" + t.keyAfter(ph0, 1) + ")"
		if err := src.QueryRowContext(ctx, q, keyArgs(after)...).Scan(&done); err != nil {
			return 0, resumed, fmt.Errorf("%s: count rows before the resume point: %w", t.name, err)
		}
		fmt.Fprintf(out, "%s: resuming after key %v (%d rows already imported)\n", t.name, after, done)
	}
	bar := newProgress(out, t.name, facts.Rows[t.name], done)
	defer bar.finish()

	sel := "SELECT " + strings.Join(t.cols, ", ") + " FROM (" + t.legacy + ") AS t"
	var sent int64
	for {
		q := sel
		args := []any{}
		if after != nil {
			q += " WHERE " + t.keyAfter(ph0, 1)
			args = keyArgs(after)
		}
		q += " ORDER BY " + t.orderBy(false) + " LIMIT ?"
		args = append(args, opt.Batch)
		batch, err := readRows(ctx, src, t, q, args)
		if err != nil {
			return sent, resumed, err
		}
		if len(batch) == 0 {
			return sent, resumed, nil
		}
		if err := insertBatch(ctx, dst, ph, t, batch); err != nil {
			return sent, resumed, fmt.Errorf("%s: batch after key %v: %w", t.name, after, err)
		}
		after = t.keyOf(batch[len(batch)-1])
		sent += int64(len(batch))
		bar.add(int64(len(batch)))
		if opt.afterBatch != nil {
			opt.afterBatch(t.name)
		}
		if err := ctx.Err(); err != nil {
			return sent, resumed, err
		}
	}
}

// ph0 renders SQLite's placeholders, for queries on the legacy file.
var ph0 = placeholdersFor("sqlite")

func keyArgs(k []int64) []any {
	a := make([]any, len(k))
	for i, v := range k {
		a[i] = v
	}
	return a
}

func readRows(ctx context.Context, db *sql.DB, t table, q string, args []any) ([]row, error) {
	rs, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: read legacy rows: %w", t.name, err)
	}
	defer rs.Close()
	var out []row
	for rs.Next() {
		r, err := t.scan(rs)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

// resumePoint is the highest key of t already in the target's legacy range,
// or nil when there is none.
func resumePoint(ctx context.Context, dst *sql.DB, ph placeholders, t table, maxKey int64) ([]int64, bool, error) {
	q := "SELECT " + strings.Join(t.key, ", ") + " FROM " + t.name +
		" WHERE " + t.inRange(ph, 1) + " ORDER BY " + t.orderBy(true) + " LIMIT 1"
	args := make([]any, len(t.key))
	for i := range args {
		args[i] = maxKey
	}
	k := make([]int64, len(t.key))
	dest := make([]any, len(k))
	for i := range k {
		dest[i] = &k[i]
	}
	err := dst.QueryRowContext(ctx, q, args...).Scan(dest...)
	if err == sql.ErrNoRows {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("%s: find resume point: %w", t.name, err)
	}
	return k, true, nil
}

// insertBatch writes rows in one transaction, so an interrupted import
// leaves whole batches only and the resume point is exact.
func insertBatch(ctx context.Context, dst *sql.DB, ph placeholders, t table, rows []row) error {
	tx, err := dst.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	for len(rows) > 0 {
		chunk := rows[:min(insertChunk, len(rows))]
		rows = rows[len(chunk):]
		var sb strings.Builder
		sb.WriteString("INSERT INTO " + t.name + " (" + strings.Join(t.cols, ", ") + ") VALUES ")
		args := make([]any, 0, len(chunk)*len(t.cols))
		for i, r := range chunk {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteByte('(')
			for j := range r {
				if j > 0 {
					sb.WriteString(", ")
				}
				args = append(args, r[j])
				sb.WriteString(ph(len(args)))
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

// advanceSequences moves the id sequences past the imported ids: rows were
// inserted with explicit ids, which PostgreSQL sequences do not notice, and
// the next sign-up would otherwise collide with legacy user 1. The user
// sequence also passes ids that only messages or follows mention, so a new
// user never inherits an orphaned legacy message or follow.
func advanceSequences(ctx context.Context, db *sql.DB, out io.Writer) error {
	highest := map[string]string{
		"users": "SELECT GREATEST((SELECT MAX(id) FROM users), (SELECT MAX(author_id) FROM messages)," +
			" (SELECT MAX(who_id) FROM follows), (SELECT MAX(whom_id) FROM follows))",
		"messages": "SELECT MAX(id) FROM messages",
	}
	for _, tbl := range []string{"users", "messages"} {
		var seq sql.NullString
		if err := db.QueryRowContext(ctx, "SELECT pg_get_serial_sequence($1, 'id')", tbl).Scan(&seq); err != nil {
			return fmt.Errorf("find sequence of %s: %w", tbl, err)
		}
		if !seq.Valid {
			return fmt.Errorf("%s.id has no sequence", tbl)
		}
		// The sequence name comes from the catalog, not from input.
		q := "SELECT setval($1, GREATEST((" + highest[tbl] + "), (SELECT last_value FROM " + seq.String + "), 1))"
		var v int64
		if err := db.QueryRowContext(ctx, q, seq.String).Scan(&v); err != nil {
			return fmt.Errorf("advance %s: %w", seq.String, err)
		}
		fmt.Fprintf(out, "sequence %s now at %d\n", seq.String, v)
	}
	return nil
}
