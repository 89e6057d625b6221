package admin

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"

	// Pure-Go SQLite driver, registered as "sqlite"; the store already
	// depends on it through its GORM dialect.
	_ "github.com/glebarez/go-sqlite"
)

// openLegacy opens a legacy MiniTwit SQLite file read-only and checks that
// it has the classic schema.
func openLegacy(ctx context.Context, path string) (*sql.DB, error) {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("legacy database %s does not exist", path)
		}
		return nil, err
	}
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, err
	}
	for _, want := range []string{"user", "follower", "message"} {
		var n int
		err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, want).Scan(&n)
		if err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("read legacy database %s: %w", path, err)
		}
		if n == 0 {
			_ = db.Close()
			return nil, fmt.Errorf("%s is not a legacy MiniTwit database: table %q is missing", path, want)
		}
	}
	return db, nil
}

// legacyFacts are what the import reports before it writes anything.
type legacyFacts struct {
	Rows           map[string]int64 // rows to import per current table
	MaxKey         map[string]int64 // upper bound of the legacy id range per current table
	DuplicateNames []string
	FollowDupes    int64 // follow rows that repeat an earlier pair
	FollowNulls    int64 // follow rows with a NULL id, skipped
	Orphans        int64 // messages whose author is not a user
}

// inspectLegacy counts rows and finds what cannot be imported as is: a
// username used twice (the current schema makes names unique) or a pub_date
// or flagged value that is not an integer.
func inspectLegacy(ctx context.Context, db *sql.DB) (legacyFacts, error) {
	f := legacyFacts{Rows: map[string]int64{}, MaxKey: map[string]int64{}}
	one := func(q string, dst *int64) error {
		if err := db.QueryRowContext(ctx, q).Scan(dst); err != nil {
			return fmt.Errorf("inspect legacy database: %s: %w", q, err)
		}
		return nil
	}
	for _, t := range tables {
		var n int64
		if err := one("SELECT COUNT(*) FROM ("+t.legacy+")", &n); err != nil {
			return f, err
		}
		f.Rows[t.name] = n
	}
	var maxUser, maxMsg, maxFollow, rawFollows, badTypes int64
	steps := []struct {
		q   string
		dst *int64
	}{
		{`SELECT COALESCE(MAX(user_id), 0) FROM "user"`, &maxUser},
		{`SELECT COALESCE(MAX(message_id), 0) FROM message`, &maxMsg},
		{`SELECT COALESCE(MAX(MAX(who_id), MAX(whom_id)), 0) FROM follower`, &maxFollow},
		{`SELECT COUNT(*) FROM follower`, &rawFollows},
		{`SELECT COUNT(*) FROM follower WHERE who_id IS NULL OR whom_id IS NULL`, &f.FollowNulls},
		{`SELECT COUNT(*) FROM message WHERE author_id NOT IN (SELECT user_id FROM "user")`, &f.Orphans},
		{`SELECT COUNT(*) FROM message WHERE typeof(pub_date) NOT IN ('integer', 'null') OR typeof(flagged) NOT IN ('integer', 'null') OR typeof(author_id) != 'integer'`, &badTypes},
	}
	for _, s := range steps {
		if err := one(s.q, s.dst); err != nil {
			return f, err
		}
	}
	f.FollowDupes = rawFollows - f.FollowNulls - f.Rows["follows"]
	f.MaxKey["users"] = maxUser
	f.MaxKey["messages"] = maxMsg
	f.MaxKey["follows"] = max(maxUser, maxFollow)
	if badTypes > 0 {
		return f, fmt.Errorf("legacy database: %d messages have a non-integer author_id, pub_date or flagged; convert them before importing", badTypes)
	}

	rs, err := db.QueryContext(ctx, `SELECT username FROM "user" GROUP BY username HAVING COUNT(*) > 1 ORDER BY username LIMIT 20`)
	if err != nil {
		return f, fmt.Errorf("inspect legacy usernames: %w", err)
	}
	defer rs.Close()
	for rs.Next() {
		var name string
		if err := rs.Scan(&name); err != nil {
			return f, err
		}
		f.DuplicateNames = append(f.DuplicateNames, name)
	}
	if err := rs.Err(); err != nil {
		return f, err
	}
	if len(f.DuplicateNames) > 0 {
		return f, fmt.Errorf("legacy database: usernames are unique now but these occur more than once: %s; rename all but one in the legacy file, then import",
			quoteAll(f.DuplicateNames))
	}
	return f, nil
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
