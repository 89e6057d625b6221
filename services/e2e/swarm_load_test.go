package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// swarmReplay sends a 20,000-action simulator scenario through the gateway
// container over HTTPS: no errors, latest right (the replay tool checks
// both), and the split services reached over the Swarm's own networks: the
// gateway's upstreams are the web and api tasks' addresses on the edge
// network, and every follower task, on the backend network only, served
// requests.
func swarmReplay(t *testing.T, s *localSwarm) {
	scenario := Scenario(t, 400, 20000, 8)
	before := s.serviceLogLines(t, "follower")
	rep := s.startReplay(t, scenario, "-fresh").wait(t)
	t.Logf("replay: %d actions in %.1f s, %d errors", rep.Sent, rep.Wall, rep.Errors)
	if rep.Errors != 0 || !rep.Pass || rep.Sent != 20000 {
		t.Fatalf("replay through the gateway: sent %d, %d errors, pass=%v; first errors: %q", rep.Sent, rep.Errors, rep.Pass, first(rep.ErrorLines, 5))
	}

	edge := s.subnet(t, "edge")
	upstreams := map[string]int{}
	for _, line := range s.logLines(t, "service", "logs", "--raw", s.stack+"_gateway") {
		var entry struct {
			Upstream string `json:"upstream"`
		}
		if json.Unmarshal([]byte(line), &entry) != nil || entry.Upstream == "" || entry.Upstream == "-" {
			continue
		}
		for _, u := range strings.Split(entry.Upstream, ", ") {
			upstreams[u]++
		}
	}
	tasks := map[string]string{}
	for _, svc := range []string{"web", "api"} {
		for _, id := range s.containers(t, svc) {
			ip := s.docker(t, "inspect", "-f", `{{(index .NetworkSettings.Networks "`+s.stack+`_edge").IPAddress}}`, id)
			port := map[string]string{"web": "8081", "api": "8082"}[svc]
			tasks[net.JoinHostPort(ip, port)] = svc
		}
	}
	for addr := range upstreams {
		host, _, _ := net.SplitHostPort(addr)
		if ip := net.ParseIP(host); ip == nil || !edge.Contains(ip) {
			t.Errorf("the gateway proxied to %s, outside the edge network %s", addr, edge)
		}
	}
	for addr, svc := range tasks {
		if upstreams[addr] == 0 {
			t.Errorf("%s task %s got no request from the gateway (upstreams seen: %v)", svc, addr, upstreams)
		}
	}
	after := s.serviceLogLines(t, "follower")
	for id, n := range after {
		if n <= before[id] {
			t.Errorf("follower container %.12s logged no request during the replay", id)
		}
	}
}

// serviceLogLines counts each running container's log lines of a service.
func (s *localSwarm) serviceLogLines(t testing.TB, svc string) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, id := range s.containers(t, svc) {
		n[id] = len(s.logLines(t, "logs", id))
	}
	return n
}

// logLines runs a docker logs command and returns its lines (stdout and
// stderr of the containers together).
func (s *localSwarm) logLines(t testing.TB, args ...string) []string {
	t.Helper()
	return lines(s.docker(t, args...))
}

// subnet is the address range of one of the stack's overlay networks.
func (s *localSwarm) subnet(t testing.TB, network string) *net.IPNet {
	t.Helper()
	cidr := s.docker(t, "network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}}{{end}}", s.stack+"_"+network)
	_, n, err := net.ParseCIDR(cidr)
	if err != nil {
		t.Fatalf("network %s subnet %q: %v", network, cidr, err)
	}
	return n
}

func first(l []string, n int) []string {
	if len(l) > n {
		return l[:n]
	}
	return l
}

// failures splits a replay's error lines into transport errors (no HTTP
// answer: connection refused or reset at the gateway's own port) and
// answers with a wrong status from the services.
func failures(rep replayReport) (transport, status []string) {
	for _, l := range rep.ErrorLines {
		if strings.Contains(l, " err=") {
			transport = append(transport, l)
		} else {
			status = append(status, l)
		}
	}
	return transport, status
}

// drill runs fn while a replay of the scenario runs through the gateway and
// returns the replay's report once both are done. The replay is started
// first and has sent requests before fn starts.
func (s *localSwarm) drill(t *testing.T, scenario string, fn func()) replayReport {
	t.Helper()
	r := s.startReplay(t, scenario)
	time.Sleep(2 * time.Second) // the load is under way when the change starts
	fn()
	return r.wait(t)
}

// deployScript runs scripts/NAME (deploy.sh or rollback.sh) the way an
// operator would on this swarm and returns its output and error.
func (s *localSwarm) deployScript(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	return s.tryScript(s.deployEnv(t), name, args...)
}

// swarmRollingUpdate deploys v2 with scripts/deploy.sh while a replay runs,
// then rolls back with scripts/rollback.sh under load again. The services'
// start-first updates must lose no request. The gateway is one task with
// host-mode ports on this one node, so its stop-first update leaves its port
// closed for a moment: those refused connections are counted and reported
// apart (with two edge nodes behind DNS the other keeps serving).
func swarmRollingUpdate(t *testing.T, s *localSwarm) {
	scenario := Scenario(t, 300, 12000, 9)
	for _, run := range []struct {
		what, script, tag string
		args          []string
	}{
		{"deploy.sh v2", "deploy.sh", "v2", []string{"v2"}},
		{"rollback.sh", "rollback.sh", "v1", nil},
	} {
		var took time.Duration
		var out string
		var err error
		rep := s.drill(t, scenario, func() {
			start := time.Now()
			out, err = s.deployScript(t, run.script, run.args...)
			took = time.Since(start)
		})
		if err != nil {
			t.Fatalf("%s: %v\n%s", run.what, err, out)
		}
		transport, status := failures(rep)
		t.Logf("%s: converged in %s; replay %d actions, %d failed (%d at the gateway's own restart, %d from the services)",
			run.what, took.Round(time.Second), rep.Sent, rep.Errors, len(transport), len(status))
		if len(status) != 0 {
			t.Errorf("%s: %d requests failed with a wrong answer from the services: %q", run.what, len(status), first(status, 5))
		}
		for svc := range appServices {
			if svc == "postgres" {
				continue
			}
			img := s.docker(t, "service", "inspect", "-f", "{{.Spec.TaskTemplate.ContainerSpec.Image}}", s.stack+"_"+svc)
			if !strings.HasSuffix(img, ":"+run.tag) {
				t.Errorf("after %s, %s runs %s, want tag %s", run.what, svc, img, run.tag)
			}
		}
	}
	s.waitHealthy(t, 2*time.Minute)
}

// swarmBadRelease deploys a release whose web image never passes its health
// check: deploy.sh exits non-zero, Swarm rolls web back on its own, deploy.sh
// puts the stack back on v1, and no request fails meanwhile.
func swarmBadRelease(t *testing.T, s *localSwarm) {
	scenario := Scenario(t, 300, 12000, 10)
	var out string
	var err error
	var took time.Duration
	rep := s.drill(t, scenario, func() {
		start := time.Now()
		out, err = s.deployScript(t, "deploy.sh", "bad")
		took = time.Since(start)
	})
	if err == nil {
		t.Fatalf("deploy.sh bad exited 0, want an error:\n%s", out)
	}
	if !strings.Contains(out, "rolled back to v1") {
		t.Errorf("deploy.sh bad did not report putting the stack back on v1:\n%s", out)
	}
	state := s.docker(t, "service", "inspect", "-f", "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}", s.stack+"_web")
	transport, status := failures(rep)
	t.Logf("bad release: deploy.sh failed after %s; web update state %q; replay %d actions, %d failed (%d at the gateway's own restart, %d from the services)",
		took.Round(time.Second), state, rep.Sent, rep.Errors, len(transport), len(status))
	if !strings.Contains(out, "rollback_") && !strings.Contains(out, "rolled back") {
		t.Errorf("deploy.sh did not see Swarm roll web back:\n%s", out)
	}
	if len(status) != 0 {
		t.Errorf("bad release: %d requests failed with a wrong answer from the services: %q", len(status), first(status, 5))
	}
	for svc := range appServices {
		if svc == "postgres" {
			continue
		}
		img := s.docker(t, "service", "inspect", "-f", "{{.Spec.TaskTemplate.ContainerSpec.Image}}", s.stack+"_"+svc)
		if !strings.HasSuffix(img, ":v1") {
			t.Errorf("after the bad release, %s runs %s, want v1", svc, img)
		}
	}
	s.waitHealthy(t, 2*time.Minute)
}

// swarmTaskKill kills one web and one api container under load: Swarm
// replaces both, and the number of failed requests is reported.
func swarmTaskKill(t *testing.T, s *localSwarm) {
	scenario := Scenario(t, 300, 8000, 11)
	killed := map[string]string{}
	var replaced time.Duration
	rep := s.drill(t, scenario, func() {
		start := time.Now()
		for _, svc := range []string{"web", "api"} {
			id := s.containers(t, svc)[0]
			killed[svc] = id
			s.docker(t, "kill", id)
		}
		Eventually(t, 2*time.Minute, "Swarm replaces the killed web and api tasks", func() error {
			for svc, old := range killed {
				ids := s.containers(t, svc)
				if len(ids) != appServices[svc] || contains(ids, old) {
					return fmt.Errorf("%s: running %d containers %v", svc, len(ids), ids)
				}
				for _, id := range ids {
					if h, _ := s.tryDocker("inspect", "-f", "{{.State.Health.Status}}", id); h != "healthy" {
						return fmt.Errorf("%s container %.12s: %s", svc, id, h)
					}
				}
			}
			return nil
		})
		replaced = time.Since(start)
	})
	transport, status := failures(rep)
	t.Logf("task kill: web and api replaced and healthy after %s; replay %d actions, %d failed (%d transport, %d wrong answers): %q",
		replaced.Round(100*time.Millisecond), rep.Sent, rep.Errors, len(transport), len(status), first(rep.ErrorLines, 5))
}
