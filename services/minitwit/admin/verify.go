package admin

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"slices"
	"strings"

	"minitwit/shared/store"
)

// TableCheck compares one table on both sides.
type TableCheck struct {
	Table          string
	LegacyRows     int64
	TargetRows     int64
	LegacySum      string // SHA-256 over the canonical rows in key order
	TargetSum      string
	FirstDiffs     []string // at most maxDiffs differences, in key order
	MoreDiffsExist bool
}

// OK reports whether both sides hold the same rows.
func (c TableCheck) OK() bool {
	return c.LegacyRows == c.TargetRows && c.LegacySum == c.TargetSum && len(c.FirstDiffs) == 0
}

// VerifyReport is the outcome of a verification.
type VerifyReport struct {
	Tables []TableCheck
	// NameCollisions are groups of users whose names differ only in case,
	// composition or width (one name key): reported so an operator can
	// contact or rename them, never merged. Only the oldest of a group
	// holds the key; the others sign in by their exact name.
	NameCollisions []store.KeyCollision
}

// OK reports whether every table matches.
func (r VerifyReport) OK() bool {
	for _, c := range r.Tables {
		if !c.OK() {
			return false
		}
	}
	return len(r.Tables) > 0
}

func (r VerifyReport) print(out io.Writer) {
	if len(r.Tables) == 0 {
		return
	}
	fmt.Fprintln(out, "verification (legacy vs target, the legacy id range):")
	for _, c := range r.Tables {
		state := "OK"
		if !c.OK() {
			state = "DIFFERENT"
		}
		fmt.Fprintf(out, "  %-9s rows %9d / %-9d sha256 %s / %s  %s\n",
			c.Table, c.LegacyRows, c.TargetRows, short(c.LegacySum), short(c.TargetSum), state)
		for _, d := range c.FirstDiffs {
			fmt.Fprintf(out, "      %s\n", d)
		}
		if c.MoreDiffsExist {
			fmt.Fprintln(out, "      … and more")
		}
	}
}

func (r VerifyReport) printCollisions(out io.Writer) {
	if len(r.NameCollisions) == 0 {
		fmt.Fprintln(out, "name keys: no look-alike usernames")
		return
	}
	fmt.Fprintf(out, "name keys: %d groups of look-alike usernames (kept apart; only the oldest holds the key):\n", len(r.NameCollisions))
	for _, g := range r.NameCollisions {
		parts := make([]string, len(g.Users))
		for i, u := range g.Users {
			parts[i] = fmt.Sprintf("id %d %q", u.ID, u.Username)
		}
		fmt.Fprintf(out, "  %q: %s\n", g.Key, strings.Join(parts, ", "))
	}
}

func short(sum string) string { return sum[:min(16, len(sum))] }

const maxDiffs = 5

// Verify compares the legacy database with dst: row counts and a checksum
// per table, and the first differing rows. The error names every table
// that differs.
func Verify(ctx context.Context, legacyPath string, dst *store.Store, out io.Writer) (VerifyReport, error) {
	src, err := openLegacy(ctx, legacyPath)
	if err != nil {
		return VerifyReport{}, err
	}
	defer src.Close()
	facts, err := inspectLegacy(ctx, src)
	if err != nil {
		return VerifyReport{}, err
	}
	rep, err := verify(ctx, src, dst, facts)
	if err == nil {
		if rep.NameCollisions, err = dst.NameKeyCollisions(ctx); err != nil {
			return rep, err
		}
	}
	if out != nil {
		rep.print(out)
		rep.printCollisions(out)
	}
	return rep, err
}

func verify(ctx context.Context, src *sql.DB, dst *store.Store, facts legacyFacts) (VerifyReport, error) {
	var rep VerifyReport
	var bad []string
	for _, t := range tables {
		c, err := compareTable(ctx, src, dst, t, facts.MaxKey[t.name])
		if err != nil {
			return rep, err
		}
		rep.Tables = append(rep.Tables, c)
		if !c.OK() {
			bad = append(bad, fmt.Sprintf("%s (legacy %d rows, target %d)", t.name, c.LegacyRows, c.TargetRows))
		}
	}
	if len(bad) > 0 {
		return rep, fmt.Errorf("verification FAILED: the target differs from the legacy database in %s", strings.Join(bad, ", "))
	}
	return rep, nil
}

// compareTable streams both sides in key order side by side: counting and
// hashing each, and naming the first rows that are missing, extra or changed.
func compareTable(ctx context.Context, src *sql.DB, dst *store.Store, t table, maxKey int64) (TableCheck, error) {
	c := TableCheck{Table: t.name}
	ls, err := openStream(t)(src.QueryContext(ctx, "SELECT "+strings.Join(t.cols, ", ")+" FROM ("+t.legacy+") AS t ORDER BY "+t.orderBy()))
	if err != nil {
		return c, err
	}
	defer ls.close()
	// Only the legacy id range: rows written by the service after the
	// import do not count as differences.
	ts, err := openStream(t)(dst.RowsInRange(ctx, t.name, maxKey))
	if err != nil {
		return c, err
	}
	defer ts.close()

	diff := func(s string) {
		if len(c.FirstDiffs) < maxDiffs {
			c.FirstDiffs = append(c.FirstDiffs, s)
		} else {
			c.MoreDiffsExist = true
		}
	}
	for ls.cur != nil || ts.cur != nil {
		switch cmpKeys(t, ls.cur, ts.cur) {
		case -1:
			diff(fmt.Sprintf("missing in target: key %v %s", t.keyOf(ls.cur), strings.TrimSpace(string(ls.line))))
			err = ls.next()
		case 1:
			diff(fmt.Sprintf("only in target:    key %v %s", t.keyOf(ts.cur), strings.TrimSpace(string(ts.line))))
			err = ts.next()
		default:
			if string(ls.line) != string(ts.line) {
				diff(fmt.Sprintf("changed: legacy %s, target %s", strings.TrimSpace(string(ls.line)), strings.TrimSpace(string(ts.line))))
			}
			if err = ls.next(); err == nil {
				err = ts.next()
			}
		}
		if err != nil {
			return c, err
		}
	}
	c.LegacyRows, c.LegacySum = ls.n, hex.EncodeToString(ls.sum.Sum(nil))
	c.TargetRows, c.TargetSum = ts.n, hex.EncodeToString(ts.sum.Sum(nil))
	return c, nil
}

// cmpKeys orders two current rows by key; a nil row (stream ended) sorts
// after everything.
func cmpKeys(t table, a, b row) int {
	switch {
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return slices.Compare(t.keyOf(a), t.keyOf(b))
}

// stream reads ordered rows, counting and hashing them as it goes.
type stream struct {
	t    table
	rs   *sql.Rows
	cur  row
	line []byte
	n    int64
	sum  hash.Hash
}

// openStream takes a query's answer, rows or an error naming the table, and
// makes a stream of it.
func openStream(t table) func(rs *sql.Rows, err error) (*stream, error) {
	return func(rs *sql.Rows, err error) (*stream, error) {
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.name, err)
		}
		return newStream(t, rs)
	}
}

// newStream reads rs, which it closes, and positions on the first row.
func newStream(t table, rs *sql.Rows) (*stream, error) {
	s := &stream{t: t, rs: rs, sum: sha256.New()}
	if err := s.next(); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *stream) next() error {
	if !s.rs.Next() {
		s.cur = nil
		return s.rs.Err()
	}
	r, err := s.t.scan(s.rs)
	if err != nil {
		return err
	}
	s.cur = r
	s.line = appendCanonical(s.line[:0], r)
	s.n++
	s.sum.Write(s.line)
	return nil
}

func (s *stream) close() { _ = s.rs.Close() }
