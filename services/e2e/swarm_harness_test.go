package e2e

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// localSwarm is the one-node Swarm of scripts/swarm-local.sh, driven through
// that script, scripts/deploy.sh and scripts/rollback.sh, and inspected with
// Debian's docker CLI on the private dockerd's socket.
type localSwarm struct {
	env       []string // for the scripts: DOCKER_HOST, PATH, TAG, ...
	httpsPort int
	promPort  int
	amPort    int
	stack     string
}

const swarmDocker = "/usr/bin/docker"

// newLocalSwarm prepares the environment; nothing runs yet.
func newLocalSwarm(t *testing.T) *localSwarm {
	s := &localSwarm{httpsPort: FreePort(t), promPort: FreePort(t), amPort: FreePort(t), stack: "minitwit"}
	s.env = []string{
		fmt.Sprintf("HTTPS_PORT=%d", s.httpsPort),
		fmt.Sprintf("HTTP_PORT=%d", FreePort(t)),
		fmt.Sprintf("PROMETHEUS_PORT=%d", s.promPort),
		fmt.Sprintf("ALERTMANAGER_PORT=%d", s.amPort),
		"STACK_NAME=" + s.stack,
		"DOCKER_HOST=unix:///run/minitwit-swarm/docker.sock",
		"DOCKER_BUILDKIT=1",
	}
	return s
}

// script runs scripts/NAME with the swarm's environment plus extra and
// returns its output; a failure ends the test.
func (s *localSwarm) script(t testing.TB, extra []string, name string, args ...string) string {
	t.Helper()
	return RunCmd(t, append(append([]string{}, s.env...), extra...), append([]string{repoPath("scripts", name)}, args...)...)
}

// tryScript is script that returns the error instead.
func (s *localSwarm) tryScript(extra []string, name string, args ...string) (string, error) {
	return TryCmd(append(append([]string{}, s.env...), extra...), append([]string{repoPath("scripts", name)}, args...)...)
}

// deployEnv is the environment deploy.sh and rollback.sh need, as
// swarm-local.sh sets it up.
func (s *localSwarm) deployEnv(t testing.TB) []string {
	t.Helper()
	out := s.script(t, nil, "swarm-local.sh", "env")
	var env []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.Contains(line, "=") {
			env = append(env, line)
		}
	}
	return env
}

// docker runs Debian's docker CLI against the private dockerd.
func (s *localSwarm) docker(t testing.TB, args ...string) string {
	t.Helper()
	return strings.TrimSpace(RunCmd(t, s.env, append([]string{swarmDocker}, args...)...))
}

func (s *localSwarm) tryDocker(args ...string) (string, error) {
	out, err := TryCmd(s.env, append([]string{swarmDocker}, args...)...)
	return strings.TrimSpace(out), err
}

// lines splits command output into its non-empty lines.
func lines(out string) []string {
	var l []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if x := strings.TrimSpace(sc.Text()); x != "" {
			l = append(l, x)
		}
	}
	return l
}

// containers lists the running containers of a stack service.
func (s *localSwarm) containers(t testing.TB, svc string) []string {
	t.Helper()
	return lines(s.docker(t, "ps", "-q", "--no-trunc", "--filter", "label=com.docker.swarm.service.name="+s.stack+"_"+svc))
}

// baseURL is the gateway's public HTTPS address.
func (s *localSwarm) baseURL() string { return fmt.Sprintf("https://127.0.0.1:%d", s.httpsPort) }

// client talks to the gateway (self-signed certificate).
func (s *localSwarm) client(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12},
		MaxIdleConnsPerHost: 16,
	}}
}

// replayReport is what the replay tool writes with -report.
type replayReport struct {
	Planned    int      `json:"actions_planned"`
	Sent       int      `json:"actions_sent"`
	Errors     int      `json:"errors"`
	Pass       bool     `json:"pass"`
	Wall       float64  `json:"wall_seconds"`
	ErrorLines []string `json:"error_lines"`
}

// backgroundReplay runs the replay tool against the gateway while the test
// does something else; wait returns its report.
type backgroundReplay struct {
	cmd    *exec.Cmd
	report string
	log    string
	done   chan error
}

func (s *localSwarm) startReplay(t testing.TB, scenario string, args ...string) *backgroundReplay {
	t.Helper()
	dir := t.TempDir()
	r := &backgroundReplay{report: filepath.Join(dir, "report.json"), log: filepath.Join(dir, "replay.log"), done: make(chan error, 1)}
	argv := append([]string{"-base", s.baseURL() + "/api", "-insecure", "-delays=false", "-progress", "0",
		"-timeout", replayTimeout, "-report", r.report}, args...)
	argv = append(argv, scenario)
	logf, err := os.Create(r.log)
	if err != nil {
		t.Fatal(err)
	}
	r.cmd = exec.Command(bin("replay"), argv...)
	r.cmd.Stdout, r.cmd.Stderr = logf, logf
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.done <- r.cmd.Wait(); logf.Close() }()
	t.Cleanup(func() {
		if r.cmd.ProcessState == nil {
			_ = r.cmd.Process.Kill()
		}
	})
	return r
}

// wait waits for the replay to end and returns its report.
func (r *backgroundReplay) wait(t testing.TB) replayReport {
	t.Helper()
	exitErr := <-r.done
	var rep replayReport
	b, err := os.ReadFile(r.report)
	if err != nil {
		t.Fatalf("replay wrote no report (%v): %s", exitErr, tailFile(r.log, 30))
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("replay report: %v", err)
	}
	return rep
}

// step logs how long a part of the suite took.
func step(t *testing.T, what string) func() {
	start := time.Now()
	return func() { t.Logf("step %q took %s", what, time.Since(start).Round(100*time.Millisecond)) }
}
