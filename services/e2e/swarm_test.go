package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSwarm runs the production path for real: the images built from the
// repository's Dockerfiles, the stack deployed on a one-node Docker Swarm
// by scripts/deploy.sh (through scripts/swarm-local.sh), the simulator
// replayed through the gateway container, rolling updates, a bad release,
// killed tasks and a database outage under load, Prometheus discovering
// the replicas, and a backup restored elsewhere. Subtests depend on the
// ones before them (one stack, built once), so they run in order.
func TestSwarm(t *testing.T) {
	for _, tool := range []struct{ path, pkg string }{
		{"/usr/sbin/dockerd", "docker.io"}, {swarmDocker, "docker.io"}, {"/usr/sbin/debootstrap", "debootstrap"},
		{"/usr/sbin/nft", "nftables"}, {"/usr/lib/postgresql/15/bin/pg_restore", "postgresql-15"},
	} {
		NeedTool(t, tool.path, tool.pkg)
	}
	s := newLocalSwarm(t)
	// Whatever happens, the machine is left as it was.
	t.Cleanup(func() {
		done := step(t, "down")
		if out, err := s.tryScript(nil, "swarm-local.sh", "down"); err != nil {
			t.Errorf("swarm-local.sh down: %v\n%s", err, out)
		}
		done()
	})
	total := time.Now()
	defer func() { t.Logf("TestSwarm took %s", time.Since(total).Round(time.Second)) }()

	steps := []struct {
		name string
		run  func(*testing.T, *localSwarm)
	}{
		{"Images", swarmImages},
		{"Deploy", swarmDeploy},
		{"Hardening", swarmHardening},
		{"Replay", swarmReplay},
		{"DatabaseTLS", swarmDatabaseTLS},
		{"RollingUpdate", swarmRollingUpdate},
		{"BadRelease", swarmBadRelease},
		{"TaskKill", swarmTaskKill},
		{"DatabaseOutage", swarmDatabaseOutage},
		{"Monitoring", swarmMonitoring},
		{"Backup", swarmBackup},
	}
	for _, st := range steps {
		ok := t.Run(st.name, func(t *testing.T) {
			defer step(t, st.name)()
			st.run(t, s)
		})
		if !ok {
			// The later steps need the earlier ones' stack.
			t.Logf("stopping after %s failed", st.name)
			return
		}
	}
}

// swarmImages builds v1 and v2 of every image with scripts/build-images.sh
// (via swarm-local.sh build) and the bad release: v1's images where web's
// health check never passes.
func swarmImages(t *testing.T, s *localSwarm) {
	for _, tag := range []string{"v1", "v2"} {
		done := step(t, "build "+tag)
		s.script(t, []string{"TAG=" + tag}, "swarm-local.sh", "build")
		done()
	}
	dir := t.TempDir()
	dockerfile := "FROM minitwit/minitwit-web:v1\n" +
		"HEALTHCHECK --interval=2s --timeout=2s --start-period=1s --retries=2 CMD [\"/usr/local/bin/service\", \"no-such-check\"]\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	s.docker(t, "build", "-q", "-t", "minitwit/minitwit-web:bad", dir)
	for _, svc := range []string{"api", "follower", "gateway"} {
		s.docker(t, "tag", "minitwit/minitwit-"+svc+":v1", "minitwit/minitwit-"+svc+":bad")
	}
	for _, svc := range []string{"web", "api", "follower", "gateway"} {
		for _, tag := range []string{"v1", "v2", "bad"} {
			user := s.docker(t, "image", "inspect", "-f", "{{.Config.User}}", "minitwit/minitwit-"+svc+":"+tag)
			if svc != "gateway" && (user == "" || user == "0" || strings.HasPrefix(user, "root") || strings.HasPrefix(user, "0:")) {
				t.Errorf("minitwit-%s:%s runs as %q, want a non-root user", svc, tag, user)
			}
		}
	}
}

// swarmDeploy deploys v1 with scripts/deploy.sh (swarm-local.sh up): the
// migrate job completes exactly once and every service converges healthy.
func swarmDeploy(t *testing.T, s *localSwarm) {
	out := s.script(t, []string{"TAG=v1", "SKIP_BUILD=1"}, "swarm-local.sh", "up")
	if !strings.Contains(out, s.baseURL()+"/") {
		t.Errorf("swarm-local.sh up did not print %s/:\n%s", s.baseURL(), out)
	}
	tasks := lines(s.docker(t, "service", "ps", "--format", "{{.CurrentState}}", s.stack+"_migrate"))
	var complete int
	for _, st := range tasks {
		if strings.HasPrefix(st, "Complete") {
			complete++
		}
	}
	if complete != 1 {
		t.Errorf("migrate job: %d completed tasks, want exactly 1 (%q)", complete, tasks)
	}
	s.waitHealthy(t, 3*time.Minute)
	res, err := s.client(10 * time.Second).Get(s.baseURL() + "/public")
	if err != nil {
		t.Fatalf("GET /public through the gateway: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("GET /public through the gateway: %d, want 200", res.StatusCode)
	}
}

// appServices are the stack's services built from this repository, with
// their replica counts.
var appServices = map[string]int{"gateway": 1, "web": 2, "api": 2, "follower": 2, "postgres": 1}

// waitHealthy waits until every app service runs its replicas and each of
// their containers reports healthy.
func (s *localSwarm) waitHealthy(t testing.TB, timeout time.Duration) {
	t.Helper()
	Eventually(t, timeout, "every service runs its replicas, all healthy", func() error {
		for svc, want := range appServices {
			ids := s.containers(t, svc)
			if len(ids) != want {
				return fmt.Errorf("%s: %d containers running, want %d", svc, len(ids), want)
			}
			for _, id := range ids {
				h, err := s.tryDocker("inspect", "-f", "{{.State.Health.Status}}", id)
				if err != nil || h != "healthy" {
					return fmt.Errorf("%s container %.12s: health %q %v", svc, id, h, err)
				}
			}
		}
		return nil
	})
}
