package e2e

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// contentQueries give, per table and id sequence, the rows and an md5 over
// the ordered rows: equal answers mean equal contents.
var contentQueries = map[string]string{
	"users":             `SELECT count(*) || ' ' || md5(coalesce(string_agg(id || ',' || username || ',' || email || ',' || pw_hash, E'\n' ORDER BY id), '')) FROM users`,
	"follows":           `SELECT count(*) || ' ' || md5(coalesce(string_agg(who_id || ',' || whom_id, E'\n' ORDER BY who_id, whom_id), '')) FROM follows`,
	"messages":          `SELECT count(*) || ' ' || md5(coalesce(string_agg(id || ',' || author_id || ',' || pub_date || ',' || flagged || ',' || text, E'\n' ORDER BY id), '')) FROM messages`,
	"simulator_latest":  `SELECT count(*) || ' ' || md5(coalesce(string_agg(id || ',' || value, E'\n' ORDER BY id), '')) FROM simulator_latest`,
	"schema_migrations": `SELECT count(*) || ' ' || md5(coalesce(string_agg(version || ',' || name, E'\n' ORDER BY version), '')) FROM schema_migrations`,
	"users_id_seq":      `SELECT last_value FROM users_id_seq`,
	"messages_id_seq":   `SELECT last_value FROM messages_id_seq`,
}

// dbContents answers contentQueries in database db; compare two with cmp.Diff.
func dbContents(t *testing.T, pg *Postgres, db string) map[string]string {
	t.Helper()
	got := make(map[string]string, len(contentQueries))
	for name, q := range contentQueries {
		got[name] = pg.SQL(t, db, q)
	}
	return got
}

// pgInt is the one number a query answers.
func pgInt(t *testing.T, pg *Postgres, db, query string) int64 {
	t.Helper()
	out := pg.SQL(t, db, query)
	n, err := strconv.ParseInt(out, 10, 64)
	if err != nil {
		t.Fatalf("%s: answer %q is not a number", query, out)
	}
	return n
}

// missingAcks loads the acknowledged writes into a temporary table of db and
// returns those of them that the database does not hold.
func missingAcks(t *testing.T, pg *Postgres, db string, acks []ackedWrite) []string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "acks.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	for _, a := range acks {
		if err := w.Write([]string{a.Kind, a.User, a.Detail}); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	out := RunCmd(t, nil, "psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1", pg.URL(db),
		"-c", "CREATE TEMP TABLE acks (kind text, username text, detail text)",
		"-c", `\copy acks FROM '`+path+`' WITH (FORMAT csv, FORCE_NOT_NULL (kind, username, detail))`,
		"-c", "SELECT count(*) FROM acks",
		"-c", `SELECT kind || ' ' || username || ': ' || detail FROM acks a WHERE NOT CASE a.kind
		  WHEN 'tweet' THEN EXISTS (SELECT 1 FROM messages m JOIN users u ON u.id = m.author_id WHERE u.username = a.username AND m.text = a.detail)
		  WHEN 'follow' THEN EXISTS (SELECT 1 FROM follows f JOIN users w ON w.id = f.who_id JOIN users t ON t.id = f.whom_id WHERE w.username = a.username AND t.username = a.detail)
		  WHEN 'register' THEN EXISTS (SELECT 1 FROM users u WHERE u.username = a.username)
		END`)
	// The first line counts what was loaded: a load that lost rows would
	// hide missing writes.
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[0] != strconv.Itoa(len(acks)) {
		t.Fatalf("loaded %s of %d acknowledged writes into the check table:\n%s", lines[0], len(acks), out)
	}
	return lines[1:]
}
