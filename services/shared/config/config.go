// Package config reads a service's settings from the environment. Every
// secret can also come from a file named by the same variable with a _FILE
// suffix (how Docker secrets are mounted); String masks secrets so the
// configuration can be logged at start.
package config

import (
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// DefaultReadMaxWait is how long a read waits by default for the replica to
// replay the primary's latest commits before it reads the primary: a few
// milliseconds, about what streaming replication takes on a local network.
const DefaultReadMaxWait = 5 * time.Millisecond

// DefaultDatabaseURL is the embedded SQLite file used when DATABASE_URL is unset.
const DefaultDatabaseURL = "./data/minitwit.db"

// Config holds every setting; a service uses the ones it needs.
type Config struct {
	Addr        string // public listener, host:port
	MetricsAddr string // internal listener for /metrics; empty disables it
	DatabaseURL string // postgres:// URL or SQLite path
	// DatabaseReadURL is an optional postgres:// URL of a streaming replica
	// of DatabaseURL that timeline and list reads use while it has replayed
	// every acknowledged write (see store.UseReplica); empty: none.
	DatabaseReadURL string
	// DatabaseReadMaxWait bounds how long a read waits for the replica to
	// catch up before it goes to the primary instead.
	DatabaseReadMaxWait time.Duration
	LogLevel            string

	SessionKey string // signs web session cookies; same on every web replica
	// SessionKeyPrevious is the key SESSION_KEY replaced, still accepted
	// for cookies signed before a rotation; empty: none.
	SessionKeyPrevious string
	SimulatorUser      string
	SimulatorPassword  string
	FollowerURL        string // base URL of the follower service; empty: in-process
	// FollowerToken is the shared secret between the follower service and
	// its callers: web and api send it, the follower accepts only callers
	// that present it (or FollowerTokenPrevious, during a rotation).
	FollowerToken         string
	FollowerTokenPrevious string
	BcryptCost            int
	Version               string
}

// Load reads the environment. defaultAddr and defaultMetrics are the
// service's own defaults.
func Load(defaultAddr, defaultMetrics string) (Config, error) {
	c := Config{
		Addr:              env("ADDR", defaultAddr),
		LogLevel:          env("LOG_LEVEL", "info"),
		FollowerURL:       strings.TrimRight(env("FOLLOWER_URL", ""), "/"),
		Version:           env("VERSION", "dev"),
		SimulatorUser:     "simulator",
		SimulatorPassword: "super_safe!",
	}
	// METRICS_ADDR set but empty turns the metrics listener off; only an
	// unset one takes the service's default.
	c.MetricsAddr = defaultMetrics
	if v, ok := os.LookupEnv("METRICS_ADDR"); ok {
		c.MetricsAddr = v
	}
	if port := os.Getenv("PORT"); port != "" && os.Getenv("ADDR") == "" {
		c.Addr = "127.0.0.1:" + port
	}
	var err error
	if c.DatabaseURL, err = secret("DATABASE_URL", DefaultDatabaseURL); err != nil {
		return c, err
	}
	if c.DatabaseReadURL, err = secret("DATABASE_READ_URL", ""); err != nil {
		return c, err
	}
	pw, err := secret("DATABASE_PASSWORD", "")
	if err != nil {
		return c, err
	}
	if pw != "" {
		if c.DatabaseURL, err = withPassword("DATABASE_URL", c.DatabaseURL, pw); err != nil {
			return c, err
		}
		if c.DatabaseReadURL != "" {
			if c.DatabaseReadURL, err = withPassword("DATABASE_READ_URL", c.DatabaseReadURL, pw); err != nil {
				return c, err
			}
		}
	}
	if err := c.checkReadURL(); err != nil {
		return c, err
	}
	c.DatabaseReadMaxWait = DefaultReadMaxWait
	if v := os.Getenv("DATABASE_READ_MAX_WAIT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > time.Second {
			return c, fmt.Errorf("DATABASE_READ_MAX_WAIT must be a duration from 0 to 1s, e.g. 5ms, got %q", v)
		}
		c.DatabaseReadMaxWait = d
	}
	if c.SessionKey, err = secret("SESSION_KEY", ""); err != nil {
		return c, err
	}
	if c.SessionKeyPrevious, err = secret("SESSION_KEY_PREVIOUS", ""); err != nil {
		return c, err
	}
	if c.SimulatorUser, err = secret("SIMULATOR_USER", c.SimulatorUser); err != nil {
		return c, err
	}
	if c.SimulatorPassword, err = secret("SIMULATOR_PASSWORD", c.SimulatorPassword); err != nil {
		return c, err
	}
	if c.FollowerToken, err = secret("FOLLOWER_TOKEN", ""); err != nil {
		return c, err
	}
	if c.FollowerTokenPrevious, err = secret("FOLLOWER_TOKEN_PREVIOUS", ""); err != nil {
		return c, err
	}
	c.BcryptCost = 9
	if v := os.Getenv("BCRYPT_COST"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 4 || n > 31 {
			return c, fmt.Errorf("BCRYPT_COST must be an integer from 4 to 31, got %q", v)
		}
		c.BcryptCost = n
	}
	return c, nil
}

// String is the configuration with every secret masked.
func (c Config) String() string {
	read := "(unset)"
	if c.DatabaseReadURL != "" {
		read = MaskURL(c.DatabaseReadURL) + " read_max_wait=" + c.DatabaseReadMaxWait.String()
	}
	return fmt.Sprintf("addr=%s metrics_addr=%s database=%s database_read=%s follower_url=%s log_level=%s bcrypt_cost=%d session_key=%s session_key_previous=%s simulator_user=%s simulator_password=%s follower_token=%s follower_token_previous=%s version=%s",
		c.Addr, c.MetricsAddr, MaskURL(c.DatabaseURL), read, c.FollowerURL, c.LogLevel, c.BcryptCost,
		mask(c.SessionKey), mask(c.SessionKeyPrevious), c.SimulatorUser, mask(c.SimulatorPassword),
		mask(c.FollowerToken), mask(c.FollowerTokenPrevious), c.Version)
}

// MaskURL hides the password of a database URL.
func MaskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func mask(s string) string {
	if s == "" {
		return "(unset)"
	}
	return "(set)"
}

func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

// secret reads KEY, or the file named by KEY_FILE without the line end
// an editor leaves. A file holding only white space, or KEY set to only
// white space, is refused rather than taken as an empty secret (an empty
// simulator password, no database password): such a value is a mistake in
// the deployment, and a service that starts on it fails open.
func secret(key, def string) (string, error) {
	if path := os.Getenv(key + "_FILE"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("read %s_FILE: %w", key, err)
		}
		if strings.TrimSpace(string(b)) == "" {
			return "", fmt.Errorf("%s_FILE names %s, which is empty (or only white space): write the secret into it, or unset %s_FILE", key, path, key)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	v := os.Getenv(key)
	if v != "" && strings.TrimSpace(v) == "" {
		return "", fmt.Errorf("%s is blank (only white space): set a value, or unset it", key)
	}
	return env(key, def), nil
}

// checkReadURL refuses a read URL that cannot be a streaming replica of
// the database: SQLite has none, and a read URL must itself be PostgreSQL.
func (c Config) checkReadURL() error {
	if c.DatabaseReadURL == "" {
		return nil
	}
	if !isPostgres(c.DatabaseURL) {
		return fmt.Errorf("DATABASE_READ_URL is set but DATABASE_URL is not a postgres:// URL: a read replica needs PostgreSQL (SQLite has none); unset DATABASE_READ_URL")
	}
	if !isPostgres(c.DatabaseReadURL) {
		return fmt.Errorf("DATABASE_READ_URL must be a postgres:// URL of a streaming replica, got %s", MaskURL(c.DatabaseReadURL))
	}
	return nil
}

func isPostgres(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql")
}

func withPassword(key, raw, pw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || !isPostgres(raw) {
		return "", fmt.Errorf("DATABASE_PASSWORD needs a postgres:// %s", key)
	}
	user := "postgres"
	if u.User != nil {
		user = u.User.Username()
	}
	u.User = url.UserPassword(user, pw)
	return u.String(), nil
}
