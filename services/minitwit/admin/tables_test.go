package admin

import (
	"database/sql"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLegacySelectsGiveTheStoreColumns: each legacy SELECT yields exactly
// the current table's columns as the store's row structs declare them, so
// a column added to a row struct needs its legacy source named here.
func TestLegacySelectsGiveTheStoreColumns(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+handmade(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if len(tables) != 3 {
		t.Fatalf("%d tables to import, want users, follows and messages", len(tables))
	}
	for _, tb := range tables {
		rs, err := db.Query("SELECT * FROM (" + tb.legacy + ") AS t LIMIT 0")
		if err != nil {
			t.Fatalf("%s: %v", tb.name, err)
		}
		got, err := rs.Columns()
		_ = rs.Close()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tb.cols, got); diff != "" {
			t.Errorf("%s: legacy SELECT columns (-store +legacy):\n%s", tb.name, diff)
		}
	}
}
