package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Service is one running MiniTwit binary.
type Service struct {
	Name        string
	URL         string // http://127.0.0.1:PORT
	Port        int
	MetricsURL  string // http://127.0.0.1:MPORT/metrics
	MetricsPort int
	*Proc
}

// ServiceOpts say how to start a service.
type ServiceOpts struct {
	// DatabaseURL: a postgres:// URL or a SQLite file path.
	DatabaseURL string
	// Env is added to the defaults (LOG_LEVEL=warn, a cheap bcrypt cost).
	Env    []string
	LogDir string
	// NotReady: return once /healthz answers instead of waiting for /readyz.
	NotReady bool
}

// FollowerToken is the shared secret every service StartService starts
// holds, as in the stack: the follower accepts only callers presenting it,
// web and api send it (the one-process binary ignores it).
const FollowerToken = "e2e-follower-token-0123456789abcdef"

// StartService starts bin (minitwit, web, api or follower) on fresh ports
// and waits until it is ready.
func StartService(t testing.TB, name string, opts ServiceOpts) *Service {
	t.Helper()
	port, mport := FreePort(t), FreePort(t)
	env := append([]string{
		"ADDR=127.0.0.1:" + strconv.Itoa(port),
		"METRICS_ADDR=127.0.0.1:" + strconv.Itoa(mport),
		"DATABASE_URL=" + opts.DatabaseURL,
		"LOG_LEVEL=warn",
		"BCRYPT_COST=4",
		"VERSION=e2e",
		"FOLLOWER_TOKEN=" + FollowerToken,
	}, opts.Env...)
	p := StartProc(t, fmt.Sprintf("%s-%d", name, port), ProcOpts{Env: env, LogDir: opts.LogDir}, bin(name))
	s := &Service{
		Name: name, Port: port, MetricsPort: mport, Proc: p,
		URL:        fmt.Sprintf("http://127.0.0.1:%d", port),
		MetricsURL: fmt.Sprintf("http://127.0.0.1:%d/metrics", mport),
	}
	probe := "/readyz"
	if opts.NotReady {
		probe = "/healthz"
	}
	WaitHTTP(t, s.URL+probe, 60*time.Second, p)
	return s
}

// Migrate applies the schema to a database with "follower migrate up", the
// step the stack's migrate job runs.
func Migrate(t testing.TB, databaseURL string) {
	t.Helper()
	RunCmd(t, []string{"DATABASE_URL=" + databaseURL, "LOG_LEVEL=warn"}, bin("follower"), "migrate", "up")
}

// Split is web, api and follower as separate processes on one database, as
// in the stack (without the gateway).
type Split struct {
	Web, API, Follower *Service
}

// StartSplit migrates the database and starts follower, api and web, all
// holding FollowerToken.
func StartSplit(t testing.TB, databaseURL string, env ...string) *Split {
	t.Helper()
	Migrate(t, databaseURL)
	f := StartService(t, "follower", ServiceOpts{DatabaseURL: databaseURL, Env: env})
	withFollower := append([]string{"FOLLOWER_URL=" + f.URL}, env...)
	a := StartService(t, "api", ServiceOpts{DatabaseURL: databaseURL, Env: withFollower})
	w := StartService(t, "web", ServiceOpts{DatabaseURL: databaseURL, Env: append(withFollower, "SESSION_KEY=e2e-session-key-0123456789abcdef0123456789")})
	return &Split{Web: w, API: a, Follower: f}
}

// Scenario writes a generated simulator scenario and returns its path.
func Scenario(t testing.TB, users, actions int, seed int64) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "scenario.tsv")
	out := RunCmd(t, nil, "sh", "-c", fmt.Sprintf("%q -users %d -actions %d -seed %d > %q",
		bin("scenariogen"), users, actions, seed, path))
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("scenariogen wrote nothing: %v\n%s", err, out)
	}
	return path
}

// replayTimeout is the replay tool's per-request timeout in the suites. The
// simulator's own 0.3 s is a speed target, measured by scripts/bench.sh and
// the replay's latency table; here a slow fsync on a shared CI machine must
// not turn a correct answer into a failed test. Callers may pass their own
// -timeout after it (the last one wins).
const replayTimeout = "10s"

// Replay sends a scenario to an API base URL (ending in /api) with the
// replay tool, which fails on any wrong answer; it returns the tool's report.
func Replay(t testing.TB, base, scenario string, args ...string) string {
	t.Helper()
	argv := append([]string{bin("replay"), "-base", base, "-timeout", replayTimeout}, args...)
	return RunCmd(t, nil, append(argv, scenario)...)
}
