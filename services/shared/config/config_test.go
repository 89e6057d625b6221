package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// clearEnv empties every variable Load reads, so a developer's shell does
// not leak into the cases.
func clearEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{"ADDR", "PORT", "METRICS_ADDR", "LOG_LEVEL", "FOLLOWER_URL", "VERSION",
		"DATABASE_URL", "DATABASE_READ_URL", "DATABASE_READ_MAX_WAIT", "DATABASE_PASSWORD", "SESSION_KEY",
		"SESSION_KEY_PREVIOUS", "SIMULATOR_USER", "SIMULATOR_PASSWORD", "BCRYPT_COST", "FOLLOWER_TOKEN", "FOLLOWER_TOKEN_PREVIOUS"} {
		t.Setenv(k, "")
		t.Setenv(k+"_FILE", "")
	}
}

func TestReadURL(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "read_url")
	if err := os.WriteFile(secretFile, []byte("postgres://reader@replica:5432/minitwit\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		env      map[string]string
		wantRead string
		wantWait time.Duration
		wantErr  string
	}{
		{name: "unset", env: map[string]string{"DATABASE_URL": "postgres://u@db/minitwit"}},
		{
			name:     "set",
			env:      map[string]string{"DATABASE_URL": "postgres://u@db/minitwit", "DATABASE_READ_URL": "postgres://u@replica/minitwit"},
			wantRead: "postgres://u@replica/minitwit", wantWait: DefaultReadMaxWait,
		},
		{
			name:     "from a file, with the shared password and a wait",
			env:      map[string]string{"DATABASE_URL": "postgres://u@db/minitwit", "DATABASE_READ_URL_FILE": secretFile, "DATABASE_PASSWORD": "s3cret", "DATABASE_READ_MAX_WAIT": "20ms"},
			wantRead: "postgres://reader:s3cret@replica:5432/minitwit", wantWait: 20 * time.Millisecond,
		},
		{
			name:    "SQLite primary",
			env:     map[string]string{"DATABASE_URL": "./data/minitwit.db", "DATABASE_READ_URL": "postgres://u@replica/minitwit"},
			wantErr: "DATABASE_READ_URL is set but DATABASE_URL is not a postgres:// URL",
		},
		{
			name:    "default SQLite primary",
			env:     map[string]string{"DATABASE_READ_URL": "postgres://u@replica/minitwit"},
			wantErr: "SQLite has none",
		},
		{
			name:    "SQLite replica",
			env:     map[string]string{"DATABASE_URL": "postgres://u@db/minitwit", "DATABASE_READ_URL": "./replica.db"},
			wantErr: "DATABASE_READ_URL must be a postgres:// URL",
		},
		{
			name:    "bad wait",
			env:     map[string]string{"DATABASE_URL": "postgres://u@db/minitwit", "DATABASE_READ_URL": "postgres://u@replica/minitwit", "DATABASE_READ_MAX_WAIT": "5"},
			wantErr: "DATABASE_READ_MAX_WAIT",
		},
		{
			name:    "missing file",
			env:     map[string]string{"DATABASE_URL": "postgres://u@db/minitwit", "DATABASE_READ_URL_FILE": filepath.Join(t.TempDir(), "absent")},
			wantErr: "read DATABASE_READ_URL_FILE",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			c, err := Load("127.0.0.1:1", "")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Load: err %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if c.DatabaseReadURL != tc.wantRead {
				t.Errorf("DatabaseReadURL %q, want %q", c.DatabaseReadURL, tc.wantRead)
			}
			if tc.wantRead != "" && c.DatabaseReadMaxWait != tc.wantWait {
				t.Errorf("DatabaseReadMaxWait %v, want %v", c.DatabaseReadMaxWait, tc.wantWait)
			}
		})
	}
}

func TestStringMasksTheReadURL(t *testing.T) {
	clearEnv(t)
	t.Setenv("DATABASE_URL", "postgres://u:primarypw@db/minitwit")
	t.Setenv("DATABASE_READ_URL", "postgres://r:replicapw@replica/minitwit")
	c, err := Load("127.0.0.1:1", "")
	if err != nil {
		t.Fatal(err)
	}
	s := c.String()
	if strings.Contains(s, "replicapw") || strings.Contains(s, "primarypw") {
		t.Errorf("String shows a password: %s", s)
	}
	if !strings.Contains(s, "database_read=postgres://r:xxxxx@replica/minitwit") {
		t.Errorf("String %q does not name the masked read URL", s)
	}

	t.Setenv("DATABASE_READ_URL", "")
	if c, err = Load("127.0.0.1:1", ""); err != nil {
		t.Fatal(err)
	}
	if s := c.String(); !strings.Contains(s, "database_read=(unset)") {
		t.Errorf("String %q, want database_read=(unset)", s)
	}
}
