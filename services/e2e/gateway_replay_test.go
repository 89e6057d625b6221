package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// gwReplayReport is the part of the replay tool's -report JSON the checks read.
type gwReplayReport struct {
	Planned          int      `json:"actions_planned"`
	Sent             int      `json:"actions_sent"`
	Errors           int      `json:"errors"`
	Interrupted      bool     `json:"interrupted"`
	Pass             bool     `json:"pass"`
	ActionsPerSecond float64  `json:"actions_per_second"`
	WallSeconds      float64  `json:"wall_seconds"`
	ErrorLines       []string `json:"error_lines"`
	PerAction        []struct {
		Action string  `json:"action"`
		P50    float64 `json:"p50_ms"`
		P99    float64 `json:"p99_ms"`
		Max    float64 `json:"max_ms"`
	} `json:"per_action"`
	Checks *struct {
		Failures []string `json:"failures"`
	} `json:"checks"`
}

func (r gwReplayReport) figures() string {
	s := fmt.Sprintf("%d actions, %d errors, %.0f actions/s in %.1f s", r.Sent, r.Errors, r.ActionsPerSecond, r.WallSeconds)
	for _, a := range r.PerAction {
		if a.Action == "all" {
			s += fmt.Sprintf(", p50 %.1f ms, p99 %.1f ms, max %.1f ms", a.P50, a.P99, a.Max)
		}
	}
	return s
}

// check fails t unless every action was answered as expected.
func (r gwReplayReport) check(t testing.TB, minActions int) {
	t.Helper()
	var failures []string
	if r.Checks != nil {
		failures = r.Checks.Failures
	}
	if !r.Pass || r.Errors != 0 || r.Interrupted || r.Sent != r.Planned || r.Sent < minActions || len(failures) != 0 {
		t.Errorf("replay: pass %v, %d of %d actions sent (want at least %d), %d errors, interrupted %v\nerrors: %q\nread-back failures: %q",
			r.Pass, r.Sent, r.Planned, minActions, r.Errors, r.Interrupted, r.ErrorLines, failures)
	}
}

// gwScenario writes a scenario with scenariogen's flags.
func gwScenario(t testing.TB, args ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "scenario.tsv")
	RunCmd(t, nil, append(append([]string{bin("scenariogen")}, args...), "-o", path)...)
	return path
}

// replayCmd is the replay tool sending a scenario through the gateway over
// HTTPS; the report goes to report.
func (g *Gateway) replayCmd(scenario, report string, args ...string) *exec.Cmd {
	argv := append([]string{"-base", g.HTTPSURL() + "/api", "-insecure", "-progress", "0",
		"-timeout", replayTimeout, "-report", report}, args...)
	return exec.Command(bin("replay"), append(argv, scenario)...)
}

func gwReadReport(t testing.TB, path, output string) gwReplayReport {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("replay wrote no report: %v\n%s", err, output)
	}
	var r gwReplayReport
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("replay report: %v\n%s", err, b)
	}
	return r
}

// testGatewayRenderedConfig: what StartGateway rendered with render.sh, and
// the follower's stand-in balancer, pass nginx -t.
func testGatewayRenderedConfig(t *testing.T, g *Gateway) {
	for _, c := range []struct{ prefix, conf string }{
		{filepath.Join(g.Dir, "gw"), g.ConfPath()},
		{filepath.Join(g.Dir, "vip"), filepath.Join(g.Dir, "vip", "nginx.conf")},
	} {
		if out, err := gwNginxCheck(c.prefix, c.conf); err != nil {
			t.Errorf("nginx -t %s: %v\n%s", c.conf, err, out)
		}
	}
}

// testGatewayReplay: a generated simulator scenario replayed over HTTPS
// through the gateway on an empty database, every answer as expected, and
// every request in the gateway's access log.
func testGatewayReplay(t *testing.T, g *Gateway) {
	const actions = 5000
	scenario := gwScenario(t, "-users", "300", "-actions", strconv.Itoa(actions), "-seed", "7")
	before := len(g.AccessLog(t))
	report := filepath.Join(t.TempDir(), "replay.json")
	out, err := g.replayCmd(scenario, report, "-fresh").CombinedOutput()
	r := gwReadReport(t, report, string(out))
	if err != nil {
		t.Errorf("replay: %v\n%s", err, out)
	}
	r.check(t, actions)
	t.Logf("replay through the gateway over HTTPS: %s", r.figures())

	// NGINX writes a line once the answer has gone out: the last may lag.
	Eventually(t, 10*time.Second, "every action in the access log", func() error {
		api := 0
		for _, a := range g.AccessLog(t)[before:] {
			if strings.HasPrefix(a.URI, "/api/") {
				api++
			}
		}
		if api < r.Sent {
			return fmt.Errorf("%d /api/ requests logged, fewer than the %d actions sent", api, r.Sent)
		}
		return nil
	})
}
