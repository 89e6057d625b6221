package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeSwarm runs scripts/deploy.sh and scripts/rollback.sh with the
// stand-in docker CLI of gateway_fakedocker_test.go on their PATH.
type fakeSwarm struct {
	dir string
	env []string
}

func newFakeSwarm(t *testing.T) *fakeSwarm {
	t.Helper()
	real := NeedTool(t, "docker", "docker.io")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	binDir := filepath.Join(dir, "bin")
	if err := os.Mkdir(binDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(self, filepath.Join(binDir, "docker")); err != nil {
		t.Fatal(err)
	}
	// deploy.sh makes the database TLS secrets from these files.
	tlsDir := filepath.Join(dir, "db-tls")
	RunCmd(t, nil, repoPath("scripts", "db-tls.sh"), tlsDir)
	return &fakeSwarm{dir: dir, env: []string{
		"PATH=" + binDir + ":" + os.Getenv("PATH"),
		"DB_TLS_DIR=" + tlsDir,
		"ACCEPTED_IPS=203.0.113.0/24",
		fakeDockerEnv + "=" + dir,
		realDockerEnv + "=" + real,
		"MINITWIT_ENV=/nonexistent",
		"DEPLOY_HISTORY=" + filepath.Join(dir, "history"),
		"DEPLOY_POLL_SECONDS=0",
		"DEPLOY_TIMEOUT=20",
		"REGISTRY=reg.test/mt",
		"DOMAIN=minitwit.test",
		"TAG=",
	}}
}

// run runs a script of the repository with extra environment settings.
func (f *fakeSwarm) run(env []string, script string, args ...string) (string, error) {
	return TryCmd(append(slices.Clone(f.env), env...), append([]string{repoPath("scripts", script)}, args...)...)
}

// calls are the docker commands issued so far, one "TAG=... docker ..." each.
func (f *fakeSwarm) calls(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(fakeCallsPath(f.dir))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// images are the images the stand-in Swarm runs, by short service name.
func (f *fakeSwarm) images(t *testing.T, names ...string) map[string]string {
	t.Helper()
	st, err := loadFakeState(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, n := range names {
		out[n] = st.peek("minitwit_" + n).Image
	}
	return out
}

// gwCallsMatching are the calls containing substr.
func gwCallsMatching(calls []string, substr string) []string {
	var out []string
	for _, c := range calls {
		if strings.Contains(c, substr) {
			out = append(out, c)
		}
	}
	return out
}

// gwDeployStep is one script run of the deploy/rollback drill and what must
// hold after it; calls are the docker commands that run issued.
type gwDeployStep struct {
	name   string
	env    []string
	script string // empty: only check
	args   []string
	wantOK bool
	check  func(t *testing.T, f *fakeSwarm, calls []string)
}

var gwDeploySteps = []gwDeployStep{
	{name: "V1EmptySwarm", script: "deploy.sh", args: []string{"v1"}, wantOK: true,
		check: func(t *testing.T, f *fakeSwarm, calls []string) {
			if u := gwCallsMatching(calls, "service update"); len(u) != 0 {
				t.Errorf("a migration update before the stack exists: %q", u)
			}
			if d := gwCallsMatching(calls, "stack deploy"); len(d) != 1 {
				t.Errorf("want one stack deploy, got %q", d)
			}
		}},
	{name: "V2Upgrade", script: "deploy.sh", args: []string{"v2"}, wantOK: true,
		check: func(t *testing.T, f *fakeSwarm, calls []string) {
			update := slices.IndexFunc(calls, func(c string) bool { return strings.Contains(c, "service update") })
			deploy := slices.IndexFunc(calls, func(c string) bool { return strings.Contains(c, "stack deploy") })
			if update < 0 || deploy < 0 || update > deploy {
				t.Errorf("want the migrate job re-run before docker stack deploy; calls:\n%s", strings.Join(calls, "\n"))
			} else if c := calls[update]; !strings.Contains(c, "--image reg.test/mt/minitwit-follower:v2 minitwit_migrate") {
				t.Errorf("migrate job re-run as %q, want image reg.test/mt/minitwit-follower:v2", c)
			}
			want := map[string]string{"web": "reg.test/mt/minitwit-web:v2", "api": "reg.test/mt/minitwit-api:v2",
				"gateway": "reg.test/mt/minitwit-gateway:v2", "follower": "reg.test/mt/minitwit-follower:v2"}
			if d := cmp.Diff(want, f.images(t, "web", "api", "gateway", "follower")); d != "" {
				t.Errorf("images after v2 (-want +got):\n%s", d)
			}
		}},
	{name: "V3RolledBackBySwarm", env: []string{fakeFailTagEnv + "=v3"}, script: "deploy.sh", args: []string{"v3"},
		check: func(t *testing.T, f *fakeSwarm, calls []string) {
			var tags []string
			for _, c := range gwCallsMatching(calls, "stack deploy") {
				tags = append(tags, strings.Fields(c)[0])
			}
			if d := cmp.Diff([]string{"TAG=v3", "TAG=v2"}, tags); d != "" {
				t.Errorf("stack deploys (-want +got): the whole stack must be redeployed at v2\n%s", d)
			}
			want := map[string]string{"web": "reg.test/mt/minitwit-web:v2", "api": "reg.test/mt/minitwit-api:v2",
				"follower": "reg.test/mt/minitwit-follower:v2"}
			if d := cmp.Diff(want, f.images(t, "web", "api", "follower")); d != "" {
				t.Errorf("images after the failed v3 (-want +got):\n%s", d)
			}
		}},
	{name: "V4MigrationFails", env: []string{fakeMigrateFailEnv + "=1"}, script: "deploy.sh", args: []string{"v4"},
		check: func(t *testing.T, f *fakeSwarm, calls []string) {
			if d := gwCallsMatching(calls, "stack deploy"); len(d) != 0 {
				t.Errorf("services touched after a failed migration: %q", d)
			}
			if d := cmp.Diff(map[string]string{"api": "reg.test/mt/minitwit-api:v2"}, f.images(t, "api")); d != "" {
				t.Errorf("api image (-want +got):\n%s", d)
			}
		}},
	{name: "RollbackToLastGood", script: "rollback.sh", wantOK: true,
		check: func(t *testing.T, f *fakeSwarm, calls []string) {
			// v2 runs; the last successful deployment before it is v1.
			if d := cmp.Diff(map[string]string{"web": "reg.test/mt/minitwit-web:v1"}, f.images(t, "web")); d != "" {
				t.Errorf("web image after rollback.sh (-want +got):\n%s", d)
			}
			if u := gwCallsMatching(calls, "service update"); len(u) != 0 {
				t.Errorf("rollback.sh migrated: %q", u)
			}
		}},
	{name: "History",
		check: func(t *testing.T, f *fakeSwarm, _ []string) {
			b, err := os.ReadFile(filepath.Join(f.dir, "history"))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				// "2026-01-02T03:04:05Z TAG OUTCOME"
				if _, rest, ok := strings.Cut(line, " "); ok {
					got = append(got, rest)
				} else {
					got = append(got, line)
				}
			}
			want := []string{"v1 deployed", "v2 deployed", "v3 failed", "v2 deployed", "v4 migration-failed", "v1 deployed"}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("deployment history (-want +got):\n%s", d)
			}
		}},
}

// testDeployRollback drives deploy.sh and rollback.sh through a sequence of
// deployments. Each step needs the ones before it; a step run alone (-run)
// first runs the earlier scripts as its setup.
func testDeployRollback(t *testing.T) {
	f := newFakeSwarm(t)
	done := 0
	runStep := func(s gwDeployStep) (string, error) {
		if s.script == "" {
			return "", nil
		}
		return f.run(s.env, s.script, s.args...)
	}
	for i, s := range gwDeploySteps {
		t.Run(s.name, func(t *testing.T) {
			for ; done < i; done++ {
				prev := gwDeploySteps[done]
				if out, err := runStep(prev); prev.script != "" && (err == nil) != prev.wantOK {
					t.Fatalf("setup step %s: exit %v\n%s", prev.name, err, out)
				}
			}
			before := len(f.calls(t))
			out, err := runStep(s)
			done = i + 1
			if s.script != "" {
				switch {
				case s.wantOK && err != nil:
					t.Fatalf("%s %s: %v\n%s", s.script, strings.Join(s.args, " "), err, out)
				case !s.wantOK && err == nil:
					t.Fatalf("%s %s exited 0, want a failure\n%s", s.script, strings.Join(s.args, " "), out)
				}
			}
			s.check(t, f, f.calls(t)[before:])
			if t.Failed() {
				t.Logf("%s output:\n%s", s.script, out)
			}
		})
	}
}
