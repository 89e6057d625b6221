package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The previous session key, for a rotation, comes from the environment or a
// secret file like SESSION_KEY, and is masked in the logged configuration.
func TestSessionKeyPrevious(t *testing.T) {
	clearEnv(t)
	t.Setenv("SESSION_KEY", "current-key-0123456789abcdef")
	t.Setenv("SESSION_KEY_PREVIOUS", "")
	t.Setenv("SESSION_KEY_PREVIOUS_FILE", "")
	c, err := Load("127.0.0.1:1", "")
	if err != nil {
		t.Fatal(err)
	}
	if c.SessionKeyPrevious != "" || !strings.Contains(c.String(), "session_key_previous=(unset)") {
		t.Errorf("unset: %q, %s", c.SessionKeyPrevious, c.String())
	}

	t.Setenv("SESSION_KEY_PREVIOUS", "old-key-in-env-0123456789")
	if c, err = Load("127.0.0.1:1", ""); err != nil {
		t.Fatal(err)
	}
	if c.SessionKeyPrevious != "old-key-in-env-0123456789" {
		t.Errorf("from env: %q", c.SessionKeyPrevious)
	}
	if s := c.String(); strings.Contains(s, "old-key") || !strings.Contains(s, "session_key_previous=(set)") {
		t.Errorf("String does not mask the previous key: %s", s)
	}

	file := filepath.Join(t.TempDir(), "previous")
	if err := os.WriteFile(file, []byte("old-key-in-file-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SESSION_KEY_PREVIOUS_FILE", file)
	if c, err = Load("127.0.0.1:1", ""); err != nil {
		t.Fatal(err)
	}
	if c.SessionKeyPrevious != "old-key-in-file-0123456789" {
		t.Errorf("from file: %q", c.SessionKeyPrevious)
	}
}
