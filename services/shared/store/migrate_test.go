package store_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"minitwit/shared/domain"
	"minitwit/shared/store"
	"minitwit/shared/storetest"
)

var update = flag.Bool("update", false, "rewrite testdata/schema-*.txt: the migrated schema, and version 1 from databases made the old AutoMigrate way")

// recordedSchema is testdata/schema-<dialect>.txt, the schema every step
// together makes, or with version "v1-" the one version 1 made.
func recordedSchema(t *testing.T, version, dialect string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "schema-"+version+dialect+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func schema(t *testing.T, s *store.Store) string {
	t.Helper()
	got, err := store.SchemaOf(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func writeSchema(t *testing.T, version, dialect, schema string) {
	t.Helper()
	path := filepath.Join("testdata", "schema-"+version+dialect+".txt")
	if err := os.WriteFile(path, []byte(schema), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}

// TestMigrateFromEmpty: the SQL files create exactly the recorded schema,
// and a second run applies nothing.
func TestMigrateFromEmpty(t *testing.T) {
	for _, db := range storetest.OpenEmpty(t) {
		t.Run(db.Name, func(t *testing.T) {
			ctx := context.Background()
			applied, err := db.Store.Migrate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]int{1, 2, 3}, applied); diff != "" {
				t.Errorf("applied (-want +got):\n%s", diff)
			}
			got := schema(t, db.Store)
			if *update {
				writeSchema(t, "", db.Name, got)
			}
			if diff := cmp.Diff(recordedSchema(t, "", db.Name), got); diff != "" {
				t.Errorf("schema after migrating differs from testdata/schema-%s.txt (-recorded +got):\n%s", db.Name, diff)
			}
			again, err := db.Store.Migrate(ctx)
			if err != nil || len(again) != 0 {
				t.Errorf("second migrate applied %v, err %v; want nothing", again, err)
			}
		})
	}
}

// TestMigrateOldV1: a database that reached version 1 through the old
// AutoMigrate step has the recorded version-1 schema, and migrating it
// applies only the later steps and ends at the recorded schema with its
// rows intact.
func TestMigrateOldV1(t *testing.T) {
	for _, db := range storetest.OpenEmpty(t) {
		t.Run(db.Name, func(t *testing.T) {
			ctx := context.Background()
			if err := store.CreateV1OldWay(ctx, db.Store); err != nil {
				t.Fatal(err)
			}
			before := schema(t, db.Store)
			if *update {
				writeSchema(t, "v1-", db.Name, before)
			}
			if diff := cmp.Diff(recordedSchema(t, "v1-", db.Name), before); diff != "" {
				t.Errorf("old-way version 1 differs from testdata/schema-v1-%s.txt (-recorded +got):\n%s", db.Name, diff)
			}
			applied, err := db.Store.Migrate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]int{2, 3}, applied); diff != "" {
				t.Errorf("migrating an old version-1 database applied (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(recordedSchema(t, "", db.Name), schema(t, db.Store)); diff != "" {
				t.Errorf("schema after migrating differs from testdata/schema-%s.txt (-recorded +got):\n%s", db.Name, diff)
			}
			if n, err := db.Store.Pending(ctx); err != nil || n != 0 {
				t.Errorf("pending after migrate = %d, %v", n, err)
			}
			// The old rows are still there and readable through the store.
			u, err := db.Store.UserByName(ctx, "old")
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := db.Store.Latest(ctx); got != 42 {
				t.Errorf("latest = %d, want 42", got)
			}
			ms, err := db.Store.MessagesByAuthor(ctx, u.Username, 10)
			if err != nil || len(ms) != 1 || ms[0].Text != "from before" {
				t.Errorf("old messages %+v, %v", ms, err)
			}
			// A new user takes the next id, not the old one.
			nu, err := db.Store.CreateUser(ctx, domain.User{Username: "new", Email: "n@x", PwHash: "h"})
			if err != nil || nu.ID <= u.ID {
				t.Errorf("new user %+v, %v: want an id after %d", nu, err, u.ID)
			}
		})
	}
}

// TestMigratedColumnsCoverModels: every column a row struct (or the
// version table's struct, or the importer's layout) names exists after
// migrating from empty, so a field added without a migration fails here.
func TestMigratedColumnsCoverModels(t *testing.T) {
	want, err := store.ModelColumns()
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"users", "messages", "follows", "simulator_latest"} {
		l, err := store.TableLayout(table)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want[table], l.ColumnNames()); diff != "" {
			t.Errorf("layout of %s differs from its row struct (-struct +layout):\n%s", table, diff)
		}
	}
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		for table, cols := range want {
			have, err := store.ColumnsOf(context.Background(), db.Store, table)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cols {
				if !slices.Contains(have, c) {
					t.Errorf("%s.%s is used by the code but no migration creates it (table has %v)", table, c, have)
				}
			}
		}
	})
}
