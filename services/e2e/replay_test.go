package e2e

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestReplay sends a generated simulator scenario to the one-process binary
// on each database; the replay tool fails on any wrong status, body or
// latest value. The binary must then stop cleanly on SIGTERM.
func TestReplay(t *testing.T) {
	scenario := Scenario(t, 300, 6000, 42)
	pg := StartPostgres(t, PostgresOpts{})
	for _, tc := range []struct {
		name string
		db   func(t *testing.T) string
	}{
		{"SQLite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "replay.db") }},
		{"PostgreSQL", func(t *testing.T) string { return pg.CreateDB(t, "replay") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := StartService(t, "minitwit", ServiceOpts{DatabaseURL: tc.db(t)})
			t.Log(Replay(t, s.URL+"/api", scenario, "-fresh"))
			if err := s.Stop(syscall.SIGTERM, 15*time.Second); err != nil {
				t.Fatalf("minitwit did not stop cleanly on SIGTERM: %v", err)
			}
		})
	}
}
