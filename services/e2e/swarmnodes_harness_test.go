package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// nodesSwarm is the three-node rehearsal of scripts/swarm-nodes.sh: three
// network namespaces, each with its own dockerd, driven through that script
// and scripts/deploy.sh and inspected with the docker CLI on each node's
// socket. It embeds a localSwarm whose docker calls go to the manager and
// whose "127.0.0.1" ports are forwarders of this test: httpsPort enters the
// rehearsal from the outside namespace to the edge node's public 443 (a
// client on the internet), promPort from a worker's namespace to
// Prometheus on the manager's private address (an operator on the private
// network). The one-node suite's load and API helpers work unchanged.
type nodesSwarm struct {
	*localSwarm
	ids   map[string]string // node name → Swarm node ID
	suite *testing.T        // the top-level test: what lives as long as the swarm
}

// The rehearsal's fixed addresses (scripts/swarm-nodes/net.sh).
var (
	nodeNames      = []string{"manager", "worker1", "worker2"}
	nodePrivate    = map[string]string{"manager": "10.77.0.11", "worker1": "10.77.0.12", "worker2": "10.77.0.13"}
	nodePublic     = map[string]string{"manager": "10.78.0.11", "worker1": "10.78.0.12", "worker2": "10.78.0.13"}
	nodesEdge      = "worker2"
	nodesDB        = "manager"
	nodesNamespace = func(name string) string { return "mtn-" + name }
)

func nodeSock(node string) string { return "unix:///run/minitwit-nodes/" + node + "/docker.sock" }

func newNodesSwarm(t *testing.T) *nodesSwarm {
	s := &nodesSwarm{localSwarm: &localSwarm{httpsPort: FreePort(t), promPort: FreePort(t), stack: "minitwit"}, suite: t}
	s.env = []string{"STACK_NAME=" + s.stack, "DOCKER_HOST=" + nodeSock("manager"), "DOCKER_BUILDKIT=1", "TAG=nodes"}
	return s
}

// forward serves 127.0.0.1:port in the test's own namespace and copies each
// connection to addr, dialled from inside network namespace ns.
func forward(t *testing.T, port int, ns, addr string) {
	t.Helper()
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				u, err := dialIn(ns, "tcp", addr, 5*time.Second)
				if err != nil {
					return
				}
				defer u.Close()
				done := make(chan struct{}, 2)
				go func() { _, _ = io.Copy(u, c); done <- struct{}{} }()
				go func() { _, _ = io.Copy(c, u); done <- struct{}{} }()
				<-done
			}()
		}
	}()
}

// dialIn opens a connection from inside network namespace ns (a name
// under /run/netns): the socket is made on a thread moved into ns and
// belongs to ns from then on, whichever thread uses it.
func dialIn(ns, network, addr string, timeout time.Duration) (net.Conn, error) {
	target, err := os.Open("/run/netns/" + ns)
	if err != nil {
		return nil, err
	}
	defer target.Close()
	runtime.LockOSThread()
	self, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", syscall.Gettid()))
	if err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	defer self.Close()
	if err := setns(target); err != nil {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("setns %s: %w", ns, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	conn, dialErr := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err := setns(self); err != nil {
		// This thread stays in ns: keep it locked so that it ends with
		// this goroutine instead of running others.
		if conn != nil {
			conn.Close()
		}
		return nil, fmt.Errorf("setns back: %w", err)
	}
	runtime.UnlockOSThread()
	return conn, dialErr
}

// sysSetns is setns(2)'s number: the frozen syscall package lacks it and
// golang.org/x/sys is not worth a dependency for one call.
var sysSetns = map[string]uintptr{"amd64": 308, "arm64": 268}[runtime.GOARCH]

func setns(f *os.File) error {
	if sysSetns == 0 {
		return fmt.Errorf("setns: unknown system call number on %s", runtime.GOARCH)
	}
	if _, _, e := syscall.Syscall(sysSetns, f.Fd(), syscall.CLONE_NEWNET, 0); e != 0 {
		return e
	}
	return nil
}

// nodeDocker runs the docker CLI against one node's dockerd.
func (s *nodesSwarm) nodeDocker(t testing.TB, node string, args ...string) string {
	t.Helper()
	return strings.TrimSpace(RunCmd(t, []string{"DOCKER_HOST=" + nodeSock(node)}, append([]string{swarmDocker}, args...)...))
}

func (s *nodesSwarm) tryNodeDocker(node string, args ...string) (string, error) {
	out, err := TryCmd([]string{"DOCKER_HOST=" + nodeSock(node)}, append([]string{swarmDocker}, args...)...)
	return strings.TrimSpace(out), err
}

// nodeIDs learns each node's Swarm ID from its own dockerd.
func (s *nodesSwarm) nodeIDs(t testing.TB) {
	t.Helper()
	s.ids = map[string]string{}
	for _, n := range nodeNames {
		s.ids[n] = s.nodeDocker(t, n, "info", "--format", "{{.Swarm.NodeID}}")
	}
}

func (s *nodesSwarm) nodeOf(id string) string {
	for n, nid := range s.ids {
		if nid == id {
			return n
		}
	}
	return "unknown node " + id
}

// swarmTask is one task of a stack service as the manager knows it.
type swarmTask struct {
	ID, Service, Node, State, Container string
	Addrs                               map[string]string // network (without the stack prefix) → address
}

// tasks lists a service's tasks whose desired state is running, with the
// node each is on and its overlay addresses.
func (s *nodesSwarm) tasks(t testing.TB, svc string) []swarmTask {
	t.Helper()
	ids := lines(s.docker(t, "service", "ps", "-q", "--no-trunc", "--filter", "desired-state=running", s.stack+"_"+svc))
	if len(ids) == 0 {
		return nil
	}
	var raw []struct {
		ID     string
		NodeID string
		Status struct {
			State           string
			ContainerStatus struct{ ContainerID string }
		}
		NetworksAttachments []struct {
			Network   struct{ Spec struct{ Name string } }
			Addresses []string
		}
	}
	if err := json.Unmarshal([]byte(s.docker(t, append([]string{"inspect", "--type", "task"}, ids...)...)), &raw); err != nil {
		t.Fatalf("docker inspect tasks of %s: %v", svc, err)
	}
	var out []swarmTask
	for _, r := range raw {
		tk := swarmTask{ID: r.ID, Service: svc, Node: s.nodeOf(r.NodeID), State: r.Status.State,
			Container: r.Status.ContainerStatus.ContainerID, Addrs: map[string]string{}}
		for _, a := range r.NetworksAttachments {
			if len(a.Addresses) > 0 {
				ip, _, _ := strings.Cut(a.Addresses[0], "/")
				tk.Addrs[strings.TrimPrefix(a.Network.Spec.Name, s.stack+"_")] = ip
			}
		}
		out = append(out, tk)
	}
	return out
}

// nodesHealthy waits until every app service runs its replicas, each
// container healthy on whichever node it runs.
func (s *nodesSwarm) waitHealthy(t testing.TB, timeout time.Duration) {
	t.Helper()
	want := map[string]int{"gateway": 1, "web": 3, "api": 3, "follower": 3, "postgres": 1}
	Eventually(t, timeout, "every service runs its replicas, all healthy", func() error {
		for svc, n := range want {
			tasks := s.tasks(t, svc)
			running := 0
			for _, tk := range tasks {
				if tk.State != "running" || tk.Container == "" {
					continue
				}
				h, err := s.tryNodeDocker(tk.Node, "inspect", "-f", "{{.State.Health.Status}}", tk.Container)
				if err != nil || h != "healthy" {
					return fmt.Errorf("%s task on %s: health %q %v", svc, tk.Node, h, err)
				}
				running++
			}
			if running != n {
				return fmt.Errorf("%s: %d healthy tasks, want %d", svc, running, n)
			}
		}
		return nil
	})
}

// probe is the outcome of one TCP connection attempt.
type probe string

const (
	probeOpen     probe = "open"     // the connection was accepted
	probeRefused  probe = "refused"  // a RST: the port is reachable, nothing listens
	probeFiltered probe = "filtered" // no answer at all: a firewall dropped it
)

// probeTCP tries a TCP connection to addr from inside namespace ns.
func probeTCP(ns, addr string) (probe, error) {
	c, err := dialIn(ns, "tcp", addr, 3*time.Second)
	if err == nil {
		c.Close()
		return probeOpen, nil
	}
	if strings.Contains(err.Error(), "connection refused") {
		return probeRefused, nil
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return probeFiltered, nil
	}
	return "", err
}

// probeAll runs probeTCP for every address at once (a filtered port costs
// the whole timeout).
func probeAll(ns string, addrs []string) map[string]string {
	var mu sync.Mutex
	var wg sync.WaitGroup
	got := map[string]string{}
	for _, a := range addrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := probeTCP(ns, a)
			r := string(p)
			if err != nil {
				r = "error: " + err.Error()
			}
			mu.Lock()
			got[a] = r
			mu.Unlock()
		}()
	}
	wg.Wait()
	return got
}

// serviceLogs returns the log lines (stdout and stderr) of every container
// of a stack service on every node, stopped ones included, since a time
// (RFC 3339; "" for all). Each node's own dockerd answers: `docker service
// logs` on the manager can hang on tasks of a drained node.
func (s *nodesSwarm) serviceLogs(t testing.TB, svc, since string) []string {
	t.Helper()
	var out []string
	for _, n := range nodeNames {
		for _, id := range lines(s.nodeDocker(t, n, "ps", "-aq", "--filter", "label=com.docker.swarm.service.name="+s.stack+"_"+svc)) {
			args := []string{"logs"}
			if since != "" {
				args = append(args, "--since", since)
			}
			out = append(out, lines(s.nodeDocker(t, n, append(args, id)...))...)
		}
	}
	return out
}
