package e2e

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestSwarmNodes rehearses the production Swarm of three machines on this
// one: scripts/swarm-nodes.sh makes three network namespaces on a private
// and a public bridge, each with its own dockerd, provisioned by
// stack/infra/node/provision.sh (the script cloud-init runs, firewall
// included), and deploys the stack across them with scripts/deploy.sh.
// The checks: where tasks run, the overlay networks spanning nodes,
// Prometheus scraping every replica on every node, a drained node under
// load, and the firewall seen from outside. Subtests share one swarm and
// run in order.
func TestSwarmNodes(t *testing.T) {
	for _, tool := range []struct{ path, pkg string }{
		{"/usr/sbin/dockerd", "docker.io"}, {"containerd", "containerd"}, {swarmDocker, "docker.io"},
		{"/usr/sbin/debootstrap", "debootstrap"}, {"/usr/sbin/nft", "nftables"}, {"nsenter", "util-linux"},
		{"unshare", "util-linux"}, {"ip", "iproute2"},
	} {
		NeedTool(t, tool.path, tool.pkg)
	}
	s := newNodesSwarm(t)
	t.Cleanup(func() {
		done := step(t, "down")
		if out, err := s.tryScript(nil, "swarm-nodes.sh", "down"); err != nil {
			t.Errorf("swarm-nodes.sh down: %v\n%s", err, out)
		}
		done()
	})
	total := time.Now()
	defer func() { t.Logf("TestSwarmNodes took %s", time.Since(total).Round(time.Second)) }()

	steps := []struct {
		name string
		run  func(*testing.T, *nodesSwarm)
	}{
		{"Deploy", nodesDeploy},
		{"Overlay", nodesOverlay},
		{"Scrape", nodesScrape},
		{"Drain", nodesDrain},
		{"Firewall", nodesFirewall},
	}
	for _, st := range steps {
		ok := t.Run(st.name, func(t *testing.T) {
			defer step(t, st.name)()
			st.run(t, s)
		})
		if !ok {
			t.Logf("stopping after %s failed", st.name)
			return
		}
	}
}

// nodesDeploy brings the rehearsal up (images built once on the manager and
// loaded into the workers) and checks where the tasks run: on all three
// nodes, PostgreSQL on the node labelled minitwit.db, the gateway on the
// one labelled minitwit.edge, three replicas of web, api and follower spread
// one per node; all healthy, and the site answers from outside.
func nodesDeploy(t *testing.T, s *nodesSwarm) {
	out := s.script(t, nil, "swarm-nodes.sh", "up")
	if m := regexp.MustCompile(`converged: deploy (\d+)s total (\d+)s`).FindStringSubmatch(out); m != nil {
		t.Logf("time to converge: deploy.sh %s s, whole up (namespaces, daemons, provisioning, images, deploy) %s s", m[1], m[2])
	} else {
		t.Errorf("swarm-nodes.sh up printed no convergence time:\n%s", out)
	}
	s.connect(t)
	nodesPlacement(t, s)
}

// connect learns the node IDs and starts the test's forwarders, which stay
// until the whole suite ends.
func (s *nodesSwarm) connect(t *testing.T) {
	s.nodeIDs(t)
	forward(s.suite, s.httpsPort, nodesNamespace("outside"), nodePublic[nodesEdge]+":443")
	forward(s.suite, s.promPort, nodesNamespace("worker2"), nodePrivate["manager"]+":9090")
}

// nodesPlacement checks the labels and where the tasks run.
func nodesPlacement(t *testing.T, s *nodesSwarm) {
	labels := map[string]string{}
	for _, n := range nodeNames {
		labels[n] = s.docker(t, "node", "inspect", "-f", `{{range $k, $v := .Spec.Labels}}{{$k}}={{$v}} {{end}}`, s.ids[n])
	}
	if !strings.Contains(labels[nodesDB], "minitwit.db=true") || !strings.Contains(labels[nodesEdge], "minitwit.edge=true") {
		t.Fatalf("node labels: %v", labels)
	}
	s.waitHealthy(t, 4*time.Minute)

	where := map[string][]string{}
	nodesUsed := map[string]bool{}
	for _, svc := range []string{"gateway", "web", "api", "follower", "postgres"} {
		for _, tk := range s.tasks(t, svc) {
			where[svc] = append(where[svc], tk.Node)
			nodesUsed[tk.Node] = true
		}
		sort.Strings(where[svc])
	}
	t.Logf("tasks per node: %v", where)
	wantWhere := map[string][]string{
		"gateway": {nodesEdge}, "postgres": {nodesDB},
		"web": nodeNames, "api": nodeNames, "follower": nodeNames,
	}
	if d := cmp.Diff(wantWhere, where); d != "" {
		t.Errorf("where the tasks run (-want +got):\n%s", d)
	}
	if len(nodesUsed) != 3 {
		t.Errorf("tasks run on %d nodes, want 3", len(nodesUsed))
	}
	r := s.get(s.client(10*time.Second), "/public")
	if r.Status != 200 {
		t.Fatalf("GET /public from outside through the edge node: %d %v", r.Status, r.Err)
	}
}

// nodesOverlay shows the overlay networks spanning the nodes: a message
// written through the gateway (on worker2) is read back through every web
// replica; PostgreSQL (on the manager) holds a connection from every web,
// api and follower task on a worker, by its address on the backend overlay;
// and the gateway proxied to web and api tasks on the other two nodes.
func nodesOverlay(t *testing.T, s *nodesSwarm) {
	c := s.client(10 * time.Second)
	const user = "overlay-user"
	text := fmt.Sprintf("across the overlay %d", time.Now().UnixNano())
	if r := s.api(c, "POST", "/register", map[string]string{"username": user, "email": user + "@example.com", "pwd": "pw"}); r.Status != 204 {
		t.Fatalf("register: %d %s %v", r.Status, r.Body, r.Err)
	}
	if r := s.api(c, "POST", "/msgs/"+user, map[string]string{"content": text}); r.Status != 204 {
		t.Fatalf("post: %d %s %v", r.Status, r.Body, r.Err)
	}
	// dnsrr: the gateway resolves web per request and the order rotates, so
	// 30 requests reach all three replicas.
	for i := 0; i < 30; i++ {
		r := s.get(c, "/public")
		if r.Status != 200 || !strings.Contains(string(r.Body), text) {
			t.Fatalf("GET /public #%d: %d, message there: %v (%v)", i, r.Status, strings.Contains(string(r.Body), text), r.Err)
		}
		if r := s.api(c, "GET", "/msgs/"+user+"?no=5", nil); r.Status != 200 || !strings.Contains(string(r.Body), text) {
			t.Fatalf("GET /api/msgs/%s #%d: %d %s %v", user, i, r.Status, r.Body, r.Err)
		}
	}

	pg := s.tasks(t, "postgres")
	if len(pg) != 1 || pg[0].Node != nodesDB {
		t.Fatalf("postgres tasks: %+v", pg)
	}
	clients := map[string]bool{}
	q := "SELECT DISTINCT host(client_addr) FROM pg_stat_activity WHERE datname = 'minitwit' AND client_addr IS NOT NULL"
	for _, a := range lines(s.nodeDocker(t, nodesDB, "exec", pg[0].Container, "psql", "-At", "-U", "minitwit", "-d", "minitwit", "-c", q)) {
		clients[a] = true
	}
	fromWorkers := 0
	for _, svc := range []string{"web", "api", "follower"} {
		for _, tk := range s.tasks(t, svc) {
			if tk.Node == nodesDB {
				continue
			}
			if !clients[tk.Addrs["backend"]] {
				t.Errorf("%s task on %s (backend %s) has no connection to PostgreSQL on %s (clients: %v)", svc, tk.Node, tk.Addrs["backend"], nodesDB, clients)
			}
			fromWorkers++
		}
	}
	if fromWorkers == 0 {
		t.Errorf("no web, api or follower task runs on a worker")
	}

	edgeNode := map[string]string{}
	for _, svc := range []string{"web", "api"} {
		for _, tk := range s.tasks(t, svc) {
			edgeNode[tk.Addrs["edge"]] = tk.Node
		}
	}
	proxiedTo := map[string]int{}
	for _, line := range s.serviceLogs(t, "gateway", "") {
		for _, u := range gatewayUpstreams(line) {
			host, _, _ := strings.Cut(u, ":")
			if n, ok := edgeNode[host]; ok {
				proxiedTo[n]++
			}
		}
	}
	t.Logf("gateway on %s proxied to tasks on: %v", nodesEdge, proxiedTo)
	for _, n := range nodeNames {
		if n != nodesEdge && proxiedTo[n] == 0 {
			t.Errorf("the gateway on %s proxied nothing to a task on %s: %v", nodesEdge, n, proxiedTo)
		}
	}
}
