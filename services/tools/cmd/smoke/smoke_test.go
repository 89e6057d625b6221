package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"minitwit/tools/replay"
)

const (
	simUser     = "simulator"
	simPassword = `sup"er_safe!`
)

type outcome struct {
	code           int
	stdout, stderr string
}

func smokeWith(t *testing.T, env map[string]string, args ...string) outcome {
	t.Helper()
	var out, errOut bytes.Buffer
	// A loaded test machine must not turn into failures: the simulator's
	// 300 ms budget belongs to benchmarks.
	args = append([]string{"-replay-timeout", "5s", "-wait", "0s"}, args...)
	code := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return outcome{code, out.String(), errOut.String()}
}

// failed returns the names of the checks that printed FAIL.
func failed(stdout string) []string {
	var out []string
	for _, m := range failLine.FindAllStringSubmatch(stdout, -1) {
		out = append(out, m[1])
	}
	return out
}

// failLine is the line check prints for a failure: FAIL name (duration): why.
var failLine = regexp.MustCompile(`(?m)^FAIL (.+?) \([0-9.]+[a-zµ]+\): `)

func caFile(t *testing.T, der []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSmokePassesAgainstAConformingSystem(t *testing.T) {
	f := newFakeGateway(simUser, simPassword)
	srv := f.start(t)
	report := filepath.Join(t.TempDir(), "replay.json")
	env := map[string]string{"SMOKE_SIM_PASSWORD": simPassword}
	res := smokeWith(t, env, "-base", srv.URL, "-ca", caFile(t, srv.Certificate().Raw), "-replay-actions", "150", "-report", report)
	if res.code != exitOK || failed(res.stdout) != nil {
		t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "PASS: ") {
		t.Errorf("last line %q", last)
	}
	for _, l := range lines[1 : len(lines)-1] {
		if !strings.HasPrefix(l, "ok   ") {
			t.Errorf("not one line per check: %q", l)
		}
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var rep replay.Report
	if err := json.Unmarshal(b, &rep); err != nil || !rep.Pass || rep.Sent != 150 {
		t.Errorf("report: pass %v, sent %d (%v)", rep.Pass, rep.Sent, err)
	}
	// The users of the run are new and unique to it: a second run passes too.
	if again := smokeWith(t, env, "-base", srv.URL, "-insecure", "-replay-actions", "50"); again.code != exitOK {
		t.Fatalf("second run: exit %d\n%s", again.code, again.stdout)
	}
}

func TestSmokeFailsOnEachBrokenPart(t *testing.T) {
	for _, c := range []struct {
		name    string
		breakIt func(*fakeGateway)
		args    []string
		want    []string
	}{
		{"APINotReady", func(f *fakeGateway) { f.apiNotReady = true }, nil,
			[]string{"api readiness via /api/readyz"}},
		{"ForbiddenAsHTML", func(f *fakeGateway) { f.forbiddenAsHTML = true }, nil,
			[]string{"unauthorized GET /api/msgs answers 403 with the contract's body", "a wrong simulator password answers 403"}},
		{"NullFollows", func(f *fakeGateway) { f.nullFollows = true }, []string{"-replay-actions", "0"},
			[]string{"unfollow, then GET /api/fllws/<user> is []"}},
		{"LatestNotStored", func(f *fakeGateway) { f.ignoreLatest = true }, nil,
			[]string{"GET /api/latest", "replay of 100 simulator actions"}},
		{"TweetsLost", func(f *fakeGateway) { f.loseTweets = true }, []string{"-replay-actions", "0"},
			[]string{"GET /api/msgs/<user> returns the tweet", "GET /api/msgs lists the tweet"}},
		{"WrongPassword", func(*fakeGateway) {}, []string{"-sim-password", "wrong"},
			// Registration needs no credentials; everything else fails, and
			// /latest keeps the last id of an accepted request.
			[]string{"tweet",
				"GET /api/msgs/<user> returns the tweet", "GET /api/msgs lists the tweet",
				"follow, then GET /api/fllws/<user> lists them", "unfollow, then GET /api/fllws/<user> is []",
				"GET /api/msgs/<unknown user> answers 404", "GET /api/latest", "replay of 100 simulator actions"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeGateway(simUser, simPassword)
			c.breakIt(f)
			srv := f.start(t)
			args := append([]string{"-base", srv.URL, "-insecure", "-sim-password", simPassword, "-replay-actions", "100"}, c.args...)
			res := smokeWith(t, nil, args...)
			if res.code != exitFail {
				t.Errorf("exit %d, want %d", res.code, exitFail)
			}
			if got := failed(res.stdout); strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("failed checks:\n%s\nwant:\n%s\n\noutput:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"), res.stdout)
			}
		})
	}
}

func TestSmokeTLSAndTransportFailures(t *testing.T) {
	srv := newFakeGateway(simUser, simPassword).start(t)
	// A self-signed certificate that nobody said to trust fails every check.
	res := smokeWith(t, nil, "-base", srv.URL, "-sim-password", simPassword, "-replay-actions", "10")
	if res.code != exitFail || !strings.Contains(res.stdout, "certificate") {
		t.Errorf("untrusted certificate: exit %d\n%s", res.code, res.stdout)
	}
	srv.Close()
	res = smokeWith(t, nil, "-base", srv.URL, "-insecure", "-sim-password", simPassword, "-replay-actions", "10")
	if res.code != exitFail || len(failed(res.stdout)) != len(probes)+13 {
		t.Errorf("nothing listening: exit %d, %d failed checks\n%s", res.code, len(failed(res.stdout)), res.stdout)
	}
}

func TestSmokeLatestOffLeavesLatestAlone(t *testing.T) {
	f := newFakeGateway(simUser, simPassword)
	f.latest = 4711
	srv := f.start(t)
	res := smokeWith(t, nil, "-base", srv.URL, "-insecure", "-sim-password", simPassword, "-replay-actions", "0", "-latest=false")
	f.mu.Lock()
	latest := f.latest
	f.mu.Unlock()
	if res.code != exitOK || latest != 4711 {
		t.Fatalf("exit %d, latest now %d\n%s", res.code, latest, res.stdout)
	}
}

func TestSmokeRejectsBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-sim-password", "p"}, nil, "-base is required"},
		{[]string{"-base", "https://h/api", "-sim-password", "p"}, nil, "without a path"},
		{[]string{"-base", "ftp://h", "-sim-password", "p"}, nil, "want https://host"},
		{[]string{"-base", "https://h"}, nil, "no simulator password"},
		{[]string{"-base", "https://h", "-insecure", "-ca", "x.pem"}, map[string]string{"SMOKE_SIM_PASSWORD": "p"}, "exclude each other"},
		{[]string{"-base", "https://h", "-ca", "/nonexistent.pem", "-sim-password", "p"}, nil, "-ca"},
		{[]string{"-base", "https://h", "-sim-password", "p", "-latest=false"}, nil, "needs -replay-actions 0"},
		{[]string{"-base", "https://h", "-sim-password", "p", "extra"}, nil, "unexpected argument"},
	} {
		res := smokeWith(t, c.env, c.args...)
		if res.code != exitUsage || !strings.Contains(res.stderr, c.want) {
			t.Errorf("%q: exit %d, stderr %q, want %q", c.args, res.code, res.stderr, c.want)
		}
	}
}

func TestSmokeCredentialsFromEnvironment(t *testing.T) {
	f := newFakeGateway("other-sim", "env-secret")
	srv := f.start(t)
	env := map[string]string{"SMOKE_SIM_USER": "other-sim", "SMOKE_SIM_PASSWORD": "env-secret"}
	if res := smokeWith(t, env, "-base", srv.URL, "-insecure", "-replay-actions", "20"); res.code != exitOK {
		t.Fatalf("exit %d\n%s", res.code, res.stdout)
	}
	// A flag wins over the environment.
	if res := smokeWith(t, env, "-base", srv.URL, "-insecure", "-sim-password", "flag-value", "-replay-actions", "0"); res.code != exitFail {
		t.Fatalf("a -sim-password flag did not override SMOKE_SIM_PASSWORD: exit %d", res.code)
	}
}
