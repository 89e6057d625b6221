package admin

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"minitwit/shared/domain"
	"minitwit/shared/password"
	"minitwit/shared/storetest"
)

func genSmall(t *testing.T, users, messages int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "legacy db.sqlite") // a space, as operators' paths have
	if err := GenerateLegacy(context.Background(), path, GenOptions{Users: users, Messages: messages, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	return path
}

func count(t *testing.T, db storetest.DB, table string) int64 {
	t.Helper()
	return db.Count(t, table)
}

func TestImportGeneratedAndRerun(t *testing.T) {
	legacy := genSmall(t, 40, 1500)
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		var log bytes.Buffer
		rep, err := Import(ctx, legacy, db.Store, ImportOptions{Batch: 200, Progress: &log})
		if err != nil {
			t.Fatalf("import: %v\n%s", err, log.String())
		}
		if !rep.Verify.OK() {
			t.Fatalf("verification not OK:\n%s", log.String())
		}
		if got := count(t, db, "users"); got != 40 {
			t.Errorf("users = %d, want 40", got)
		}
		if got := count(t, db, "messages"); got != 1500 {
			t.Errorf("messages = %d, want 1500", got)
		}
		if rep.Imported["messages"] != 1500 {
			t.Errorf("first run sent %d messages, want 1500", rep.Imported["messages"])
		}
		follows := count(t, db, "follows")
		for _, want := range []string{"rows/s", "done in", "sha256", "OK"} {
			if !strings.Contains(log.String(), want) {
				t.Errorf("progress output lacks %q:\n%s", want, log.String())
			}
		}

		// A second run finds everything in place and adds nothing.
		rep, err = Import(ctx, legacy, db.Store, ImportOptions{Batch: 200})
		if err != nil {
			t.Fatalf("second import: %v", err)
		}
		for table, n := range rep.Imported {
			if n != 0 || !rep.Resumed[table] {
				t.Errorf("second run: %s sent %d rows (resumed %v), want 0 from the resume point", table, n, rep.Resumed[table])
			}
		}
		if got := count(t, db, "messages"); got != 1500 {
			t.Errorf("messages after re-run = %d, want 1500", got)
		}
		if got := count(t, db, "follows"); got != follows {
			t.Errorf("follows after re-run = %d, want %d", got, follows)
		}

		// Legacy hashes sign in and ask to be replaced.
		h := password.Hasher{Cost: 4}
		for _, id := range []int64{2, 3} { // pbkdf2, scrypt
			u, err := db.Store.UserByName(ctx, LegacyUsername(id))
			if err != nil {
				t.Fatal(err)
			}
			if u.ID != id {
				t.Errorf("user %q got id %d, want the legacy id %d", u.Username, u.ID, id)
			}
			if ok, rehash := h.Verify(u.PwHash, LegacyPassword(id)); !ok || !rehash {
				t.Errorf("legacy hash %.20s… of user %d: Verify = %v, %v; want true, true", u.PwHash, id, ok, rehash)
			}
			if ok, _ := h.Verify(u.PwHash, LegacyPassword(id+1)); ok {
				t.Errorf("user %d signs in with another user's password", id)
			}
		}

		// Sequences are past the legacy ids: the service's inserts work.
		nu, err := db.Store.CreateUser(ctx, domain.User{Username: "after import", Email: "a@x", PwHash: "h"})
		if err != nil {
			t.Fatalf("create user after import: %v", err)
		}
		if nu.ID <= 40 {
			t.Errorf("new user id %d collides with the legacy range", nu.ID)
		}
		m, err := db.Store.PostMessage(ctx, nu.ID, "new", time.Now())
		if err != nil || m.ID <= 1500 {
			t.Errorf("post after import: id %d, err %v", m.ID, err)
		}
		// New rows are outside the legacy range and do not upset verification.
		if _, err := Verify(ctx, legacy, db.Store, nil); err != nil {
			t.Errorf("verify after new writes: %v", err)
		}
	})
}

func TestImportResumesAfterInterruption(t *testing.T) {
	legacy := genSmall(t, 30, 1000)
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		batches := 0
		_, err := Import(ctx, legacy, db.Store, ImportOptions{Batch: 100, afterBatch: func(table string) {
			if table == "messages" {
				if batches++; batches == 3 {
					cancel()
				}
			}
		}})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted import returned %v, want context.Canceled", err)
		}
		if got := count(t, db, "messages"); got != 300 {
			t.Fatalf("after 3 committed batches of 100: %d messages, want 300", got)
		}

		rep, err := Import(context.Background(), legacy, db.Store, ImportOptions{Batch: 100})
		if err != nil {
			t.Fatalf("resumed import: %v", err)
		}
		if !rep.Resumed["messages"] || rep.Imported["messages"] != 700 {
			t.Errorf("resumed run sent %d messages (resumed %v), want the remaining 700", rep.Imported["messages"], rep.Resumed["messages"])
		}
		if got := count(t, db, "messages"); got != 1000 {
			t.Errorf("messages = %d, want 1000", got)
		}
	})
}

func TestVerifyFailsLoudlyOnDifferences(t *testing.T) {
	legacy := genSmall(t, 20, 300)
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		if _, err := Import(ctx, legacy, db.Store, ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		db.Exec(t, "UPDATE messages SET text = text || '!' WHERE id = 7")
		var who, whom int64
		if err := db.QueryRow(t, "SELECT who_id, whom_id FROM follows ORDER BY who_id, whom_id LIMIT 1").Scan(&who, &whom); err != nil {
			t.Fatal(err)
		}
		db.Exec(t, "DELETE FROM follows WHERE who_id = ? AND whom_id = ?", who, whom)
		var out bytes.Buffer
		rep, err := Verify(ctx, legacy, db.Store, &out)
		if err == nil {
			t.Fatalf("verify passed on a changed target:\n%s", out.String())
		}
		for _, want := range []string{"messages", "follows"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %s", err, want)
			}
		}
		if strings.Contains(err.Error(), "users") {
			t.Errorf("error %q names users, which are intact", err)
		}
		for _, c := range rep.Tables {
			switch c.Table {
			case "messages":
				if c.LegacyRows != c.TargetRows || c.LegacySum == c.TargetSum || len(c.FirstDiffs) != 1 || !strings.HasPrefix(c.FirstDiffs[0], "changed:") {
					t.Errorf("messages check %+v: want equal counts, different sums, one changed row", c)
				}
			case "follows":
				if c.TargetRows != c.LegacyRows-1 || len(c.FirstDiffs) != 1 || !strings.HasPrefix(c.FirstDiffs[0], "missing in target") {
					t.Errorf("follows check %+v: want one row missing", c)
				}
			case "users":
				if !c.OK() {
					t.Errorf("users check %+v: want OK", c)
				}
			}
		}
		if !strings.Contains(out.String(), "DIFFERENT") {
			t.Errorf("report does not say DIFFERENT:\n%s", out.String())
		}
	})
}

// handmade writes a legacy database with the classic schema and the given
// statements, for the cases a generator would not produce.
func handmade(t *testing.T, stmts ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "legacy.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range append([]string{legacySchema}, stmts...) {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return path
}

func TestImportNormalisesLegacyOddities(t *testing.T) {
	legacy := handmade(t,
		`INSERT INTO user VALUES (1, 'a', 'a@x', 'h'), (2, 'b', 'b@x', 'h'), (5, 'e', 'e@x', 'h')`,
		`INSERT INTO follower VALUES (1, 2), (1, 2), (2, 1), (NULL, 1), (5, 9)`,
		`INSERT INTO message VALUES (1, 1, 'x', 100, NULL), (2, 2, 'y', NULL, 2), (3, 42, 'orphan', 300, 0), (10, 5, '', 400, 1)`,
	)
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		ctx := context.Background()
		var out bytes.Buffer
		if _, err := Import(ctx, legacy, db.Store, ImportOptions{Progress: &out}); err != nil {
			t.Fatalf("import: %v\n%s", err, out.String())
		}
		for _, want := range []string{"1 repeated follow rows", "1 follow rows with a NULL id", "1 messages have an author that is not a user"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("report lacks %q:\n%s", want, out.String())
			}
		}
		type msg struct {
			ID      int64
			PubDate int64
			Flagged bool
		}
		var got []msg
		rows := db.Query(t, "SELECT id, pub_date, flagged FROM messages ORDER BY id")
		for rows.Next() {
			var m msg
			if err := rows.Scan(&m.ID, &m.PubDate, &m.Flagged); err != nil {
				t.Fatal(err)
			}
			got = append(got, m)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		_ = rows.Close()
		want := []msg{{1, 100, false}, {2, 0, true}, {3, 300, false}, {10, 400, true}}
		if len(got) != len(want) {
			t.Fatalf("messages %+v, want %+v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("message %d: got %+v, want %+v", want[i].ID, got[i], want[i])
			}
		}
		if n := count(t, db, "follows"); n != 3 {
			t.Errorf("follows = %d, want 3 distinct non-NULL pairs", n)
		}
		if db.Name == "postgres" {
			// Message 3's author 42 does not exist: a new user must not become them.
			u, err := db.Store.CreateUser(ctx, domain.User{Username: "new", Email: "n@x", PwHash: "h"})
			if err != nil {
				t.Fatal(err)
			}
			if u.ID <= 42 {
				t.Errorf("new user got id %d, which orphaned legacy rows refer to", u.ID)
			}
		}
	})
}

func TestImportRefusesWhatItCannotCarry(t *testing.T) {
	cases := []struct {
		name  string
		stmts []string
		want  string
	}{
		{"duplicate usernames", []string{`INSERT INTO user VALUES (1, 'same', 'a@x', 'h'), (2, 'same', 'b@x', 'h')`}, `"same"`},
		{"invalid UTF-8", []string{`INSERT INTO user VALUES (1, 'a', 'a@x', 'h')`, `INSERT INTO message VALUES (1, 1, CAST(X'66FF6F' AS TEXT), 1, 0)`}, "messages [1]: column text is not valid UTF-8"},
		{"text dates", []string{`INSERT INTO user VALUES (1, 'a', 'a@x', 'h')`, `INSERT INTO message VALUES (1, 1, 't', '2009-01-01', 0)`}, "non-integer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			legacy := handmade(t, tc.stmts...)
			db := storetest.Open(t)[0]
			_, err := Import(context.Background(), legacy, db.Store, ImportOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("import error %v, want one containing %q", err, tc.want)
			}
			if tc.name == "duplicate usernames" && count(t, db, "users") != 0 {
				t.Errorf("a refused import wrote users")
			}
		})
	}
	t.Run("not a legacy database", func(t *testing.T) {
		db := storetest.Open(t)[0]
		path := filepath.Join(t.TempDir(), "other.db")
		other, _ := sql.Open("sqlite", "file:"+path)
		_, _ = other.Exec("CREATE TABLE things (id integer)")
		_ = other.Close()
		if _, err := Import(context.Background(), path, db.Store, ImportOptions{}); err == nil || !strings.Contains(err.Error(), `table "user" is missing`) {
			t.Errorf("got %v", err)
		}
		if _, err := Import(context.Background(), filepath.Join(t.TempDir(), "nope.db"), db.Store, ImportOptions{}); err == nil || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("missing file: got %v", err)
		}
	})
}

func TestGenerateLegacyIsDeterministic(t *testing.T) {
	a, b := genSmall(t, 10, 50), genSmall(t, 10, 50)
	dump := func(path string) string {
		db, err := openLegacy(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var sb strings.Builder
		rs, err := db.Query(`SELECT message_id, author_id, text, pub_date, flagged FROM message ORDER BY message_id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Close()
		for rs.Next() {
			var id, author, at, flagged int64
			var text string
			if err := rs.Scan(&id, &author, &text, &at, &flagged); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&sb, "%d %d %q %d %d\n", id, author, text, at, flagged)
		}
		return sb.String()
	}
	if dump(a) != dump(b) || dump(a) == "" {
		t.Error("the same seed wrote different messages")
	}
	if err := GenerateLegacy(context.Background(), a, GenOptions{Users: 10}); err == nil {
		t.Error("the generator overwrote an existing file")
	}
}
