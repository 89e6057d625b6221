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
	for _, t := range tables {
		n, resumed, err := importTable(ctx, src, dst, t, facts, opt, out)
		rep.Imported[t.name], rep.Resumed[t.name] = n, resumed
		if err != nil {
			return rep, err
		}
	}
	seqs, err := dst.AdvanceSequences(ctx)
	if err != nil {
		return rep, err
	}
	for _, sq := range seqs {
		fmt.Fprintf(out, "sequence %s now at %d\n", sq.Name, sq.Value)
	}
	keys, err := dst.BackfillNameKeys(ctx, opt.Batch)
	if err != nil {
		return rep, fmt.Errorf("name keys: %w", err)
	}
	fmt.Fprintf(out, "name keys: %d set, %d left empty (look-alikes of older users)\n", keys.Set, keys.Collided)
	rep.Verify, err = verify(ctx, src, dst, facts)
	if err == nil {
		rep.Verify.NameCollisions, err = dst.NameKeyCollisions(ctx)
	}
	rep.Elapsed = time.Since(start)
	rep.Verify.print(out)
	rep.Verify.printCollisions(out)
	return rep, err
}

// importTable copies one table from the resume point on and returns the
// rows it sent.
func importTable(ctx context.Context, src *sql.DB, dst *store.Store, t table, facts legacyFacts, opt ImportOptions, out io.Writer) (int64, bool, error) {
	after, resumed, err := dst.HighestKey(ctx, t.name, facts.MaxKey[t.name])
	if err != nil {
		return 0, false, fmt.Errorf("find resume point: %w", err)
	}
	done := int64(0)
	if resumed {
		q := "SELECT COUNT(*) FROM (" + t.legacy + ") AS t WHERE NOT (" + t.keyAfter() + ")"
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
			q += " WHERE " + t.keyAfter()
			args = keyArgs(after)
		}
		q += " ORDER BY " + t.orderBy() + " LIMIT ?"
		args = append(args, opt.Batch)
		batch, err := readRows(ctx, src, t, q, args)
		if err != nil {
			return sent, resumed, err
		}
		if len(batch) == 0 {
			return sent, resumed, nil
		}
		if err := dst.InsertRows(ctx, t.name, batch); err != nil {
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
