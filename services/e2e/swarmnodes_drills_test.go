package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// gatewayUpstreams reads the upstream addresses of one gateway access-log
// line (JSON; "a, b" when nginx tried more than one).
func gatewayUpstreams(line string) []string {
	var entry struct {
		Upstream string `json:"upstream"`
	}
	if json.Unmarshal([]byte(line), &entry) != nil || entry.Upstream == "" || entry.Upstream == "-" {
		return nil
	}
	return strings.Split(entry.Upstream, ", ")
}

// promTargets returns the up/down health of Prometheus's active targets of
// the given jobs, by instance address.
func (s *nodesSwarm) promTargets(c *http.Client, jobs map[string]bool) (map[string]string, error) {
	var res struct {
		Data struct {
			ActiveTargets []struct {
				Labels map[string]string `json:"labels"`
				Health string            `json:"health"`
			} `json:"activeTargets"`
		} `json:"data"`
	}
	if err := getJSON(c, fmt.Sprintf("http://127.0.0.1:%d/api/v1/targets?state=active", s.promPort), &res); err != nil {
		return nil, err
	}
	got := map[string]string{}
	for _, tg := range res.Data.ActiveTargets {
		if jobs[tg.Labels["job"]] {
			got[tg.Labels["job"]+"@"+tg.Labels["instance"]] = tg.Health
		}
	}
	return got, nil
}

// nodesScrape: Prometheus (on the manager, reached from a worker over the
// private network) discovers every web, api and follower replica through
// tasks.<service> and scrapes each one up, on every node: the targets are
// exactly the tasks' backend-overlay addresses.
func nodesScrape(t *testing.T, s *nodesSwarm) {
	c := &http.Client{Timeout: 10 * time.Second}
	metricsPort := map[string]string{"web": "9081", "api": "9082", "follower": "9083"}
	jobs := map[string]bool{"web": true, "api": true, "follower": true}
	var want map[string]string
	perNode := map[string][]string{}
	Eventually(t, 2*time.Minute, "Prometheus scrapes every replica on every node, all up", func() error {
		want = map[string]string{}
		perNode = map[string][]string{}
		for svc := range jobs {
			for _, tk := range s.tasks(t, svc) {
				want[svc+"@"+net.JoinHostPort(tk.Addrs["backend"], metricsPort[svc])] = "up"
				perNode[tk.Node] = append(perNode[tk.Node], svc)
			}
		}
		got, err := s.promTargets(c, jobs)
		if err != nil {
			return err
		}
		if d := cmp.Diff(want, got); d != "" {
			return fmt.Errorf("targets (-tasks +Prometheus):\n%s", d)
		}
		return nil
	})
	for _, n := range nodeNames {
		sort.Strings(perNode[n])
		if d := cmp.Diff([]string{"api", "follower", "web"}, perNode[n]); d != "" {
			t.Errorf("replicas scraped on %s (-want +got):\n%s", n, d)
		}
	}
	t.Logf("Prometheus: %d targets up; replicas per node: %v", len(want), perNode)
}

// nodesDrain drains worker1 while four clients read and write through the
// gateway (the one-node suite's drill): its web, api and follower tasks
// move to the other two nodes and every service is back to three healthy
// replicas. Swarm takes each task out of its service's DNS before stopping
// it, the services finish in-flight requests on SIGTERM and nginx retries a
// refused or timed-out connection on the next address, so the drain itself
// must lose nothing: no request without an answer, no gateway error (502,
// 504), no wrong answer.
//
// A new replica reports ready only once its first PostgreSQL connections
// are open (store.Warm), so no request waits on a new connection either:
// every request must get its right answer.
func nodesDrain(t *testing.T, s *nodesSwarm) {
	moved := map[string]int{}
	for _, svc := range []string{"web", "api", "follower"} {
		for _, tk := range s.tasks(t, svc) {
			if tk.Node == "worker1" {
				moved[svc]++
			}
		}
	}
	if len(moved) == 0 {
		t.Fatal("no task on worker1 to move")
	}
	t.Cleanup(func() { _, _ = s.tryDocker("node", "update", "--availability", "active", s.ids["worker1"]) })
	var took time.Duration
	res := s.drill(t, func() {
		start := time.Now()
		s.docker(t, "node", "update", "--availability", "drain", s.ids["worker1"])
		Eventually(t, 3*time.Minute, "worker1 empty and every service back to full strength", func() error {
			for _, svc := range []string{"gateway", "web", "api", "follower", "postgres"} {
				for _, tk := range s.tasks(t, svc) {
					if tk.Node == "worker1" {
						return fmt.Errorf("%s still has a task on worker1", svc)
					}
				}
			}
			for _, svc := range []string{"web", "api", "follower"} {
				running := 0
				for _, tk := range s.tasks(t, svc) {
					if tk.State != "running" {
						continue
					}
					if h, err := s.tryNodeDocker(tk.Node, "inspect", "-f", "{{.State.Health.Status}}", tk.Container); err == nil && h == "healthy" {
						running++
					}
				}
				if running != 3 {
					return fmt.Errorf("%s: %d healthy replicas, want 3", svc, running)
				}
			}
			return nil
		})
		took = time.Since(start)
	})
	t.Logf("drain of worker1 (moved %v) took %s; load meanwhile: %s", moved, took.Round(100*time.Millisecond), res)

	failed := append(append([]string{}, res.Transport...), res.Wrong...)
	t.Logf("failed during the drain: %d of %d requests", len(failed), res.Sent)
	if res.Sent < 100 {
		t.Errorf("only %d requests during the drain: the load did not run", res.Sent)
	}
	if len(failed) > 0 {
		t.Errorf("%d requests failed during the drain: %q", len(failed), first(failed, 10))
	}
	s.docker(t, "node", "update", "--availability", "active", s.ids["worker1"])
	if got := s.docker(t, "node", "inspect", "-f", "{{.Spec.Availability}}", s.ids["worker1"]); got != "active" {
		t.Errorf("worker1 availability %q after reactivation", got)
	}
}

// nodesFirewall probes every node from the outside namespace (a client on
// the public network only): 80 and 443 answer on the edge node; the Swarm
// ports, PostgreSQL, the services' and the monitoring ports (Prometheus and
// Alertmanager are published on the manager) get no answer at all, i.e.
// the firewall drops them rather than the port being closed. From inside
// the private network the manager's 2377 accepts. UDP (7946, 4789) gives
// no answer with or without a firewall, so the loaded ruleset is checked
// for it instead.
func nodesFirewall(t *testing.T, s *nodesSwarm) {
	closed := []string{"22", "2377", "7946", "5432", "8081", "8082", "8083", "9081", "9090", "9093"}
	var addrs []string
	for _, n := range nodeNames {
		for _, p := range append([]string{"80", "443"}, closed...) {
			addrs = append(addrs, net.JoinHostPort(nodePublic[n], p))
		}
	}
	got := probeAll(nodesNamespace("outside"), addrs)
	want := map[string]string{}
	for _, n := range nodeNames {
		for _, p := range []string{"80", "443"} {
			// Open to everyone; only the edge node has a server there.
			want[net.JoinHostPort(nodePublic[n], p)] = map[bool]string{true: string(probeOpen), false: string(probeRefused)}[n == nodesEdge]
		}
		for _, p := range closed {
			want[net.JoinHostPort(nodePublic[n], p)] = string(probeFiltered)
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("TCP from outside (-want +got):\n%s", d)
	}
	if _, err := dialIn(nodesNamespace("outside"), "tcp", nodePrivate["manager"]+":2377", 3*time.Second); err == nil {
		t.Errorf("the outside namespace reached the private network")
	}

	inside := probeAll(nodesNamespace("worker1"), []string{nodePrivate["manager"] + ":2377", nodePrivate["manager"] + ":9090"})
	if d := cmp.Diff(map[string]string{nodePrivate["manager"] + ":2377": "open", nodePrivate["manager"] + ":9090": "open"}, inside); d != "" {
		t.Errorf("TCP from worker1 on the private network (-want +got):\n%s", d)
	}

	for _, n := range nodeNames {
		rules := RunCmd(t, nil, "ip", "netns", "exec", nodesNamespace(n), "nft", "list", "table", "inet", "minitwit")
		for _, want := range []string{
			"policy drop;",
			"ip saddr 10.77.0.0/24 udp dport { 4789, 7946 } accept",
			"ip saddr 10.77.0.0/24 tcp dport { 2377, 7946 } accept",
			"tcp dport { 80, 443 } accept",
		} {
			if !strings.Contains(rules, want) {
				t.Errorf("%s: the loaded firewall lacks %q:\n%s", n, want, rules)
			}
		}
		if strings.Contains(rules, "dport 22") {
			t.Errorf("%s: SSH is open with an empty ADMIN_CIDR:\n%s", n, rules)
		}
	}
}
