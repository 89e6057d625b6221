package store

import (
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestMigrationFilesMatchSteps: each engine has exactly the version table
// file and one file per listed step, numbered in order, none unlisted.
func TestMigrationFilesMatchSteps(t *testing.T) {
	want := []string{"0000"}
	for i, m := range migrations {
		if m.Version != i+1 {
			t.Errorf("step %d has version %d; versions count up from 1", i, m.Version)
		}
		want = append(want, versionPrefix(m.Version))
	}
	for _, dialect := range []string{"postgres", "sqlite"} {
		entries, err := fs.ReadDir(migrationFiles, path.Join("migrations", dialect))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".sql") {
				t.Errorf("%s/%s is not an .sql file", dialect, e.Name())
				continue
			}
			got = append(got, strings.SplitN(e.Name(), "_", 2)[0])
		}
		slices.Sort(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s migration files (-steps +files):\n%s", dialect, diff)
		}
		for _, v := range want {
			stmts, err := migrationSQL(dialect, v)
			if err != nil || len(stmts) == 0 {
				t.Errorf("%s %s: %d statements, %v", dialect, v, len(stmts), err)
			}
		}
	}
}

func TestSplitStatements(t *testing.T) {
	src := "-- a comment; not a statement\nCREATE TABLE a (\n    x int\n);\n\nCREATE INDEX i ON a (x);\nSELECT 1"
	want := []string{"CREATE TABLE a (\n    x int\n)", "CREATE INDEX i ON a (x)", "SELECT 1"}
	if diff := cmp.Diff(want, splitStatements(src)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
