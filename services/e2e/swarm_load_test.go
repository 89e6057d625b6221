package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// swarmReplay sends a 20,000-action simulator scenario through the gateway
// container over HTTPS: no errors, latest right (the replay tool checks
// both), and the split services reached over the Swarm's own networks: the
// gateway's upstreams are the web and api tasks' addresses on the edge
// network (the web tasks get 30 requests for the public timeline of their
// own), and every follower task, on the backend network only, served
// requests.
func swarmReplay(t *testing.T, s *localSwarm) {
	scenario := Scenario(t, 400, 20000, 8)
	before := s.serviceLogLines(t, "follower")
	rep := s.startReplay(t, scenario, "-fresh").wait(t)
	t.Logf("replay: %d actions in %.1f s, %d errors", rep.Sent, rep.Wall, rep.Errors)
	if rep.Errors != 0 || !rep.Pass || rep.Sent != 20000 {
		t.Fatalf("replay through the gateway: sent %d, %d errors, pass=%v; first errors: %q", rep.Sent, rep.Errors, rep.Pass, first(rep.ErrorLines, 5))
	}

	// The replay calls the API only: the web UI gets requests of its own.
	c := s.client(10 * time.Second)
	for i := 0; i < 30; i++ {
		if r := s.get(c, "/public"); r.Status != 200 {
			t.Fatalf("GET /public: %d %v", r.Status, r.Err)
		}
		time.Sleep(100 * time.Millisecond)
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

// loadResult counts the requests of a drill's load and its failures:
// transport errors (no HTTP answer at all: the gateway's own port was
// closed) apart from wrong answers (an HTTP status other than the expected
// one, from the gateway or the services behind it).
type loadResult struct {
	Sent      int
	Transport []string
	Wrong     []string
}

func (r loadResult) String() string {
	return fmt.Sprintf("%d requests, %d failed (%d refused at the gateway's own port, %d wrong answers)",
		r.Sent, len(r.Transport)+len(r.Wrong), len(r.Transport), len(r.Wrong))
}

// drill runs fn while four clients keep calling the site through the
// gateway: simulator reads and writes for ten existing users (messages,
// follows) and the public timeline of the web UI. Each request stands
// alone, so one failure never causes another.
func (s *localSwarm) drill(t *testing.T, fn func()) loadResult {
	t.Helper()
	c := s.client(10 * time.Second)
	const users = 10
	name := func(i int) string { return fmt.Sprintf("drill-user-%d", i%users) }
	for i := 0; i < users; i++ {
		r := s.api(c, "POST", "/register", map[string]string{"username": name(i), "email": name(i) + "@example.com", "pwd": "pw"})
		if r.Status != 204 && !(r.Status == 400 && strings.Contains(string(r.Body), "taken")) {
			t.Fatalf("register %s: %d %s %v", name(i), r.Status, r.Body, r.Err)
		}
	}
	var (
		mu   sync.Mutex
		res  loadResult
		wg   sync.WaitGroup
		stop = make(chan struct{})
	)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; ; i += 4 {
				select {
				case <-stop:
					return
				default:
				}
				var r apiCall
				var want int
				var what string
				switch i % 5 {
				case 0:
					what, want = "GET /api/msgs", 200
					r = s.api(c, "GET", "/msgs?no=10", nil)
				case 1:
					what, want = "POST /api/msgs/"+name(i), 204
					r = s.api(c, "POST", "/msgs/"+name(i), map[string]string{"content": fmt.Sprintf("drill message %d", i)})
				case 2:
					verb := []string{"follow", "unfollow"}[(i/5)%2]
					what, want = "POST /api/fllws/"+name(i)+" "+verb, 204
					r = s.api(c, "POST", "/fllws/"+name(i), map[string]string{verb: name(i + 1)})
				case 3:
					what, want = "GET /api/fllws/"+name(i), 200
					r = s.api(c, "GET", "/fllws/"+name(i)+"?no=10", nil)
				default:
					what, want = "GET /public", 200
					r = s.get(c, "/public")
				}
				mu.Lock()
				res.Sent++
				switch {
				case r.Err != nil && r.Status == 0:
					res.Transport = append(res.Transport, fmt.Sprintf("%s: %v", what, r.Err))
				case r.Status != want:
					res.Wrong = append(res.Wrong, fmt.Sprintf("%s: %d %.200s", what, r.Status, r.Body))
				}
				mu.Unlock()
				time.Sleep(10 * time.Millisecond)
			}
		}(w)
	}
	time.Sleep(2 * time.Second) // the load is under way when the change starts
	fn()
	time.Sleep(2 * time.Second)
	close(stop)
	wg.Wait()
	return res
}

// get fetches a web UI page through the gateway.
func (s *localSwarm) get(c *http.Client, path string) apiCall {
	start := time.Now()
	res, err := c.Get(s.baseURL() + path)
	if err != nil {
		return apiCall{Err: err, Elapsed: time.Since(start)}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return apiCall{Status: res.StatusCode, Body: b, Elapsed: time.Since(start), Err: err}
}

// deployScript runs scripts/NAME (deploy.sh or rollback.sh) the way an
// operator would on this swarm and returns its output and error.
func (s *localSwarm) deployScript(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	return s.tryScript(s.deployEnv(t), name, args...)
}

// swarmRollingUpdate deploys v2 with scripts/deploy.sh while clients load
// the site, then rolls back with scripts/rollback.sh under load again. No
// request may get a wrong answer: the services' start-first updates lose
// nothing. The gateway is one task with host-mode ports on this one node, so
// its stop-first update leaves its port closed for a moment: those refused
// connections are counted and reported apart (with two edge nodes behind DNS
// the other keeps serving).
func swarmRollingUpdate(t *testing.T, s *localSwarm) {
	for _, run := range []struct {
		what, script, tag string
		args              []string
	}{
		{"deploy.sh v2", "deploy.sh", "v2", []string{"v2"}},
		{"rollback.sh", "rollback.sh", "v1", nil},
	} {
		var took time.Duration
		var out string
		var err error
		res := s.drill(t, func() {
			start := time.Now()
			out, err = s.deployScript(t, run.script, run.args...)
			took = time.Since(start)
		})
		if err != nil {
			t.Fatalf("%s: %v\n%s\nservices' own errors:\n%s", run.what, err, out, s.serviceErrors(t, "web", "api", "follower"))
		}
		t.Logf("%s: converged in %s; load: %s", run.what, took.Round(time.Second), res)
		if len(res.Wrong) != 0 {
			t.Errorf("%s: %d requests got a wrong answer: %q", run.what, len(res.Wrong), first(res.Wrong, 5))
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
	var out string
	var err error
	var took time.Duration
	res := s.drill(t, func() {
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
	t.Logf("bad release: deploy.sh failed after %s; web update state %q; load: %s", took.Round(time.Second), state, res)
	if !strings.Contains(out, "rollback_") && !strings.Contains(out, "rolled back") {
		t.Errorf("deploy.sh did not see Swarm roll web back:\n%s", out)
	}
	if len(res.Wrong) != 0 {
		t.Errorf("bad release: %d requests got a wrong answer: %q", len(res.Wrong), first(res.Wrong, 5))
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
	killed := map[string]string{}
	var replaced time.Duration
	res := s.drill(t, func() {
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
	t.Logf("task kill: web and api replaced and healthy after %s; load: %s; failures: %q",
		replaced.Round(100*time.Millisecond), res, first(append(res.Transport, res.Wrong...), 10))
}

// serviceErrors are the last log lines of the services' tasks, failed ones
// included, that are not info-level JSON (a refused start prints plain
// text), to tell why a task exited.
func (s *localSwarm) serviceErrors(t testing.TB, svcs ...string) string {
	t.Helper()
	var b strings.Builder
	for _, svc := range svcs {
		out, _ := s.tryDocker("service", "logs", "--raw", "--tail", "200", s.stack+"_"+svc)
		for _, l := range lines(out) {
			if !strings.Contains(l, `"level":"info"`) {
				fmt.Fprintf(&b, "%s: %s\n", svc, l)
			}
		}
	}
	return b.String()
}
