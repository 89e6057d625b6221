package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// secretNames are the settings Load reads as secrets, each also from the
// file named by NAME_FILE.
var secretNames = []string{"DATABASE_URL", "DATABASE_READ_URL", "DATABASE_PASSWORD", "SESSION_KEY",
	"SESSION_KEY_PREVIOUS", "SIMULATOR_USER", "SIMULATOR_PASSWORD", "FOLLOWER_TOKEN", "FOLLOWER_TOKEN_PREVIOUS"}

// A secret file that holds nothing but white space is a mistake (a secret
// created from an unset variable, a truncated mount), never a value: the
// service refuses to start and names the variable, rather than run with an
// empty simulator password, no database password or no follower token.
func TestEmptySecretFileRefused(t *testing.T) {
	for _, name := range secretNames {
		for _, content := range []string{"", "\n", " \r\n", "\t \n\n"} {
			t.Run(name+"/"+strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(content), func(t *testing.T) {
				clearEnv(t)
				t.Setenv("DATABASE_URL", "postgres://u@db/minitwit")
				file := filepath.Join(t.TempDir(), "secret")
				if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
				t.Setenv(name+"_FILE", file)
				c, err := Load("127.0.0.1:1", "")
				if err == nil {
					t.Fatalf("Load accepted an empty %s_FILE: %s", name, c)
				}
				if !strings.Contains(err.Error(), name+"_FILE") || !strings.Contains(err.Error(), "empty") {
					t.Errorf("Load: %v, want an error naming %s_FILE as empty", err, name)
				}
			})
		}
	}
}

// A secret set to white space in the environment is refused the same way;
// set but empty means unset, so the default applies.
func TestBlankSecretRefused(t *testing.T) {
	for _, name := range secretNames {
		t.Run(name, func(t *testing.T) {
			clearEnv(t)
			t.Setenv(name, " \t")
			if _, err := Load("127.0.0.1:1", ""); err == nil || !strings.Contains(err.Error(), name+" is blank") {
				t.Errorf("Load with %s blank: %v, want an error saying it is blank", name, err)
			}
		})
	}
}

// A secret file keeps its value without the line end an editor adds, and
// inner or leading spaces stay part of it.
func TestSecretFileValue(t *testing.T) {
	clearEnv(t)
	file := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(file, []byte(" pass word\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SIMULATOR_PASSWORD_FILE", file)
	c, err := Load("127.0.0.1:1", "")
	if err != nil {
		t.Fatal(err)
	}
	if c.SimulatorPassword != " pass word" {
		t.Errorf("SimulatorPassword %q, want %q", c.SimulatorPassword, " pass word")
	}
}

// METRICS_ADDR set but empty turns the metrics listener off; unset, the
// service's default applies.
func TestMetricsAddr(t *testing.T) {
	for _, tc := range []struct {
		name  string
		set   bool
		value string
		want  string
	}{
		{name: "unset", want: "127.0.0.1:9999"},
		{name: "empty", set: true, value: "", want: ""},
		{name: "set", set: true, value: "0.0.0.0:9081", want: "0.0.0.0:9081"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			if tc.set {
				t.Setenv("METRICS_ADDR", tc.value)
			} else {
				unsetEnv(t, "METRICS_ADDR")
			}
			c, err := Load("127.0.0.1:1", "127.0.0.1:9999")
			if err != nil {
				t.Fatal(err)
			}
			if c.MetricsAddr != tc.want {
				t.Errorf("MetricsAddr %q, want %q", c.MetricsAddr, tc.want)
			}
		})
	}
}

// The follower token and the previous one (a rotation) come from the
// environment or a secret file and are masked in the logged configuration.
func TestFollowerToken(t *testing.T) {
	clearEnv(t)
	c, err := Load("127.0.0.1:1", "")
	if err != nil {
		t.Fatal(err)
	}
	if c.FollowerToken != "" || c.FollowerTokenPrevious != "" {
		t.Errorf("unset: %q %q", c.FollowerToken, c.FollowerTokenPrevious)
	}
	if s := c.String(); !strings.Contains(s, "follower_token=(unset) follower_token_previous=(unset)") {
		t.Errorf("String %q does not say the tokens are unset", s)
	}

	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("token-from-a-file-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FOLLOWER_TOKEN_FILE", file)
	t.Setenv("FOLLOWER_TOKEN_PREVIOUS", "previous-token-0123456789")
	if c, err = Load("127.0.0.1:1", ""); err != nil {
		t.Fatal(err)
	}
	if c.FollowerToken != "token-from-a-file-0123456789" || c.FollowerTokenPrevious != "previous-token-0123456789" {
		t.Errorf("FollowerToken %q, FollowerTokenPrevious %q", c.FollowerToken, c.FollowerTokenPrevious)
	}
	s := c.String()
	if strings.Contains(s, "0123456789") || !strings.Contains(s, "follower_token=(set) follower_token_previous=(set)") {
		t.Errorf("String does not mask the follower tokens: %s", s)
	}
}

// unsetEnv removes key for the test and restores it after.
func unsetEnv(t *testing.T, key string) {
	t.Helper()
	t.Setenv(key, "")
	if err := os.Unsetenv(key); err != nil {
		t.Fatal(err)
	}
}
