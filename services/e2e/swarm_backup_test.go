package e2e

import (
	"os"
	"path/filepath"
	"testing"
)

// swarmBackup takes a backup of the running stack's database with
// scripts/backup.sh (pg_dump inside the postgres task) and restores it into
// a second PostgreSQL; every table's checksum is equal on both.
func swarmBackup(t *testing.T, s *localSwarm) {
	ids := s.containers(t, "postgres")
	if len(ids) != 1 {
		t.Fatalf("%d postgres containers", len(ids))
	}
	dump := filepath.Join(t.TempDir(), "stack.dump")
	s.script(t, []string{"PG_CONTAINER=" + ids[0], "DATABASE_URL=postgresql://minitwit@/minitwit"}, "backup.sh", "-o", dump)
	if fi, err := os.Stat(dump); err != nil || fi.Size() == 0 {
		t.Fatalf("backup.sh wrote no dump: %v", err)
	}
	pg := StartPostgres(t, PostgresOpts{})
	url := pg.CreateDB(t, "restored")
	RunCmd(t, nil, "/usr/lib/postgresql/15/bin/pg_restore", "--no-owner", "--exit-on-error", "--dbname="+url, dump)

	for _, table := range []string{"users", "messages", "follows", "simulator_latest", "schema_migrations"} {
		sum := "SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM " + table + " t"
		got := pg.SQL(t, "restored", sum)
		want := s.psql(t, sum)
		if got != want {
			t.Errorf("%s: restored %q, stack %q", table, got, want)
		} else {
			t.Logf("%s: %s", table, got)
		}
	}
}
