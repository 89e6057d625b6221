package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"minitwit/tools/replay"
	"minitwit/tools/scenario"
	"minitwit/tools/scenario/gen"
)

var (
	roger = "Roger Histand"
	zoe   = "Zoë Ångström"
	li    = "李 小龍"
	oscar = "Óscar O'Brien"
	odd   = "a/b?c#d%e+f" // every character with a meaning in a URL
)

const trickyText = "He said “hi” — it’s 🎉 <b>html</b> \\ \"q\"\n\tnext line"

// baseScenario exercises every action kind and every OK-but-odd case the
// contract allows: a re-registration, a duplicate follow, an unfollow of
// someone not followed.
func baseScenario() []scenario.Action {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	acts := []scenario.Action{
		{Kind: scenario.Register, Username: roger, Email: "roger@example.com", Password: `pa"ss\w[0]rd'{}`},
		{Kind: scenario.Register, Username: zoe, Email: "zoë@exämple.org", Password: "pw"},
		{Kind: scenario.Register, Username: li, Email: "li@example.com", Password: "pw"},
		{Kind: scenario.Register, Username: oscar, Email: "o@example.com", Password: "pw"},
		{Kind: scenario.Register, Username: odd, Email: "odd@example.com", Password: "pw"},
		{Kind: scenario.Tweet, Username: zoe, Text: trickyText},
		{Kind: scenario.Tweet, Username: zoe, Text: "plain ASCII"},
		{Kind: scenario.Tweet, Username: odd, Text: "𝄞 outside the BMP"},
		{Kind: scenario.Follow, Username: roger, Other: zoe},
		{Kind: scenario.Follow, Username: roger, Other: zoe},
		{Kind: scenario.Follow, Username: roger, Other: li},
		{Kind: scenario.Follow, Username: odd, Other: oscar},
		{Kind: scenario.Unfollow, Username: roger, Other: li},
		{Kind: scenario.Unfollow, Username: roger, Other: oscar},
		{Kind: scenario.Register, Username: zoe, Email: "again@example.com", Password: "other"},
		{Kind: scenario.Tweet, Username: li, Text: "最后一条"},
	}
	for i := range acts {
		acts[i].ID = int64(10 + i*3) // gaps: the latest check must use ids, not counts
		acts[i].Time = t0.Add(time.Duration(i) * time.Second)
	}
	return acts
}

func writeScenario(t *testing.T, acts []scenario.Action) string {
	t.Helper()
	var buf bytes.Buffer
	w := scenario.NewWriter(&buf)
	for _, a := range acts {
		if err := w.Write(a); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "s.tsv")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

type result struct {
	code           int
	stdout, stderr string
	report         replay.Report
}

func replayWith(t *testing.T, args ...string) result {
	t.Helper()
	rep := filepath.Join(t.TempDir(), "report.json")
	var out, errOut bytes.Buffer
	// A generous default timeout keeps a loaded test machine from turning
	// into spurious errors; the timeout test passes its own, which wins
	// because it comes later.
	code := run(context.Background(), append([]string{"-report", rep, "-timeout", "2s"}, args...), &out, &errOut)
	res := result{code: code, stdout: out.String(), stderr: errOut.String()}
	if b, err := os.ReadFile(rep); err == nil {
		if err := json.Unmarshal(b, &res.report); err != nil {
			t.Fatalf("report is not JSON: %v\n%s", err, b)
		}
	}
	return res
}

func errorLines(stdout string) []string {
	var out []string
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(l, "ERROR ") {
			out = append(out, l)
		}
	}
	return out
}

func TestReplaySendsWellFormedRequests(t *testing.T) {
	f := newFakeAPI()
	srv := f.start(t, false)
	acts := baseScenario()
	res := replayWith(t, "-base", srv.URL+"/", "-progress", "0", "-fresh", writeScenario(t, acts))
	requests, conns, problems, latest := f.snapshot()
	for _, p := range problems {
		t.Errorf("malformed request: %s", p)
	}
	if res.code != exitOK {
		t.Fatalf("exit %d, want 0\n%s%s", res.code, res.stdout, res.stderr)
	}
	if latest != acts[len(acts)-1].ID {
		t.Errorf("server latest %d, want %d", latest, acts[len(acts)-1].ID)
	}
	// Connection: close must really mean one TCP connection per request.
	if conns != requests {
		t.Errorf("%d requests over %d connections, want one connection each", requests, conns)
	}
	if got := f.msgs[zoe]; !slices.Equal(got, []string{trickyText, "plain ASCII"}) {
		t.Errorf("messages of %q stored as %q", zoe, got)
	}
	if got := f.msgs[odd]; !slices.Equal(got, []string{"𝄞 outside the BMP"}) {
		t.Errorf("messages of %q stored as %q", odd, got)
	}
	if got := f.follows[roger]; !slices.Equal(got, []string{zoe}) {
		t.Errorf("follows of %q: %q", roger, got)
	}
	r := res.report
	if !r.Pass || r.Sent != len(acts) || r.Errors != 0 {
		t.Errorf("report pass=%v sent=%d errors=%d", r.Pass, r.Sent, r.Errors)
	}
	counts := map[string][2]int{}
	for _, k := range r.PerAction {
		counts[k.Action] = [2]int{k.Count, k.Taken}
	}
	want := map[string][2]int{"register": {6, 1}, "tweet": {4, 0}, "follow": {4, 0}, "unfollow": {2, 0}, "all": {16, 1}}
	for k, w := range want {
		if counts[k] != w {
			t.Errorf("%s: count, taken = %v, want %v", k, counts[k], w)
		}
	}
	if r.Checks == nil || r.Checks.LatestGot == nil || *r.Checks.LatestGot != acts[len(acts)-1].ID {
		t.Errorf("latest check not recorded: %+v", r.Checks)
	}
	if r.Checks.MessageLists == 0 || r.Checks.FollowLists == 0 {
		t.Errorf("read-back did not check messages and follows: %+v", r.Checks)
	}
	if !strings.Contains(res.stdout, "PASS: 0 errors") {
		t.Errorf("stdout has no PASS line:\n%s", res.stdout)
	}
}

func TestReplayCountsWrongAnswersAndTimeouts(t *testing.T) {
	f := newFakeAPI()
	acts := baseScenario()
	f.statusFor[acts[5].ID] = 500                  // a tweet
	f.hangFor[acts[8].ID] = 400 * time.Millisecond // a follow, past the timeout
	f.statusFor[acts[12].ID] = 404                 // an unfollow
	acts = append(acts, scenario.Action{ID: 100, Kind: scenario.Tweet, Username: "nobody", Text: "x"})
	srv := f.start(t, false)
	res := replayWith(t, "-base", srv.URL, "-timeout", "250ms", "-progress", "0", writeScenario(t, acts))
	if res.code != exitFail {
		t.Fatalf("exit %d, want 1\n%s", res.code, res.stdout)
	}
	lines := errorLines(res.stdout)
	wants := []string{
		"id=25 action=tweet user=\"Zoë Ångström\" status=500",
		"id=34 action=follow user=\"Roger Histand\" err=\"timeout\"",
		"id=46 action=unfollow user=\"Roger Histand\" status=404",
		"id=100 action=tweet user=\"nobody\" status=404",
	}
	if len(lines) != len(wants) {
		t.Fatalf("%d error lines, want %d:\n%s", len(lines), len(wants), strings.Join(lines, "\n"))
	}
	for i, w := range wants {
		if !strings.Contains(lines[i], w) || !strings.Contains(lines[i], "elapsed=") {
			t.Errorf("error line %q does not contain %q", lines[i], w)
		}
	}
	errs := map[string]int{}
	for _, k := range res.report.PerAction {
		errs[k.Action] = k.Errors
	}
	if errs["tweet"] != 2 || errs["follow"] != 1 || errs["unfollow"] != 1 || errs["register"] != 0 || errs["all"] != 4 {
		t.Errorf("errors per action %v", errs)
	}
	if res.report.Errors != 4 || res.report.Pass {
		t.Errorf("report errors=%d pass=%v", res.report.Errors, res.report.Pass)
	}
	if !strings.Contains(res.stdout, "FAIL: 4 errors") {
		t.Errorf("no FAIL line:\n%s", res.stdout)
	}
}

func TestReplayRegisterRules(t *testing.T) {
	t.Run("duplicate user accepted by server", func(t *testing.T) {
		f := newFakeAPI()
		f.alwaysAccept = true
		res := replayWith(t, "-base", f.start(t, false).URL, "-progress", "0", writeScenario(t, baseScenario()))
		lines := errorLines(res.stdout)
		if res.code != exitFail || len(lines) != 1 || !strings.Contains(lines[0], "duplicate user") {
			t.Fatalf("exit %d, errors %q", res.code, lines)
		}
	})
	t.Run("taken name from an earlier run", func(t *testing.T) {
		f := newFakeAPI()
		f.users[roger] = true
		srv := f.start(t, false)
		path := writeScenario(t, baseScenario())
		if res := replayWith(t, "-base", srv.URL, "-progress", "0", path); res.code != exitOK {
			t.Fatalf("without -fresh: exit %d\n%s", res.code, res.stdout)
		}
		f2 := newFakeAPI()
		f2.users[roger] = true
		res := replayWith(t, "-base", f2.start(t, false).URL, "-progress", "0", "-fresh", path)
		lines := errorLines(res.stdout)
		if res.code != exitFail || len(lines) != 1 || !strings.Contains(lines[0], "not registered earlier") {
			t.Fatalf("with -fresh: exit %d, errors %q", res.code, lines)
		}
	})
	t.Run("other 400 is an error", func(t *testing.T) {
		f := newFakeAPI()
		acts := baseScenario()[:2]
		f.statusFor[acts[1].ID] = 400
		res := replayWith(t, "-base", f.start(t, false).URL, "-progress", "0", writeScenario(t, acts))
		if lines := errorLines(res.stdout); res.code != exitFail || len(lines) != 1 {
			t.Fatalf("exit %d, errors %q", res.code, lines)
		}
	})
}

func TestReplayReadBackCatchesWrongState(t *testing.T) {
	cases := []struct {
		name  string
		fault func(*fakeAPI)
		want  string
	}{
		{"latest", func(f *fakeAPI) { f.latestOffset = -1 }, "latest: GET /latest = 54, want 55"},
		{"messages", func(f *fakeAPI) { f.dropNewest = true }, "messages of"},
		{"unfollow", func(f *fakeAPI) { f.ignoreUnfollows = true }, "still followed after unfollow"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeAPI()
			c.fault(f)
			res := replayWith(t, "-base", f.start(t, false).URL, "-progress", "0", writeScenario(t, baseScenario()))
			if res.code != exitFail {
				t.Fatalf("exit %d, want 1\n%s", res.code, res.stdout)
			}
			if len(errorLines(res.stdout)) != 0 {
				t.Errorf("state faults are not request errors:\n%s", res.stdout)
			}
			if !strings.Contains(res.stdout, "CHECK FAILED: ") || !strings.Contains(res.stdout, c.want) {
				t.Errorf("no check failure mentioning %q:\n%s", c.want, res.stdout)
			}
		})
	}
}

func TestReplayHTTPSNeedsInsecureForSelfSigned(t *testing.T) {
	f := newFakeAPI()
	srv := f.start(t, true)
	path := writeScenario(t, baseScenario()[:3])
	res := replayWith(t, "-base", srv.URL, "-progress", "0", path)
	if lines := errorLines(res.stdout); res.code != exitFail || len(lines) != 3 || !strings.Contains(lines[0], "certificate") {
		t.Fatalf("without -insecure: exit %d, errors %q", res.code, lines)
	}
	res = replayWith(t, "-base", srv.URL, "-progress", "0", "-insecure", path)
	if res.code != exitOK {
		t.Fatalf("with -insecure: exit %d\n%s", res.code, res.stdout)
	}
}

func TestReplayWrongCredentials(t *testing.T) {
	f := newFakeAPI()
	res := replayWith(t, "-base", f.start(t, false).URL, "-progress", "0", "-password", "nope", writeScenario(t, baseScenario()[:7]))
	lines := errorLines(res.stdout)
	// The five registrations need no auth; the two tweets get 403.
	if res.code != exitFail || len(lines) != 2 || !strings.Contains(lines[0], "status=403") {
		t.Fatalf("exit %d, errors %q", res.code, lines)
	}
}

func TestReplayConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	res := replayWith(t, "-base", "http://"+addr, "-progress", "0", writeScenario(t, baseScenario()[:2]))
	lines := errorLines(res.stdout)
	if res.code != exitFail || len(lines) != 2 || !strings.Contains(lines[0], `err="connection refused"`) {
		t.Fatalf("exit %d, errors %q", res.code, lines)
	}
}

func TestReplayLimitDelaysAndProgress(t *testing.T) {
	f := newFakeAPI()
	acts := baseScenario()
	for i := range acts {
		acts[i].Delay = 20 * time.Millisecond
	}
	srv := f.start(t, false)
	path := writeScenario(t, acts)
	res := replayWith(t, "-base", srv.URL, "-limit", "5", "-progress", "2", path)
	if res.code != exitOK || res.report.Sent != 5 {
		t.Fatalf("exit %d, sent %d\n%s", res.code, res.report.Sent, res.stdout)
	}
	if _, _, _, latest := f.snapshot(); latest != acts[4].ID {
		t.Errorf("latest %d after -limit 5, want %d", latest, acts[4].ID)
	}
	if res.report.DelaySeconds < 0.099 {
		t.Errorf("delays honoured for %.3fs, want 0.1s", res.report.DelaySeconds)
	}
	for _, p := range []string{"replay: 2/5 actions", "replay: 4/5 actions"} {
		if !strings.Contains(res.stderr, p) {
			t.Errorf("stderr lacks %q:\n%s", p, res.stderr)
		}
	}
	f2 := newFakeAPI()
	res = replayWith(t, "-base", f2.start(t, false).URL, "-delays=false", "-progress", "0", path)
	if res.code != exitOK || res.report.DelaySeconds != 0 || res.report.Sent != len(acts) {
		t.Fatalf("-delays=false: exit %d, delays %.3fs, sent %d", res.code, res.report.DelaySeconds, res.report.Sent)
	}
}

func TestReplayRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.tsv")
	content := "# header\n1\t0\t2024-01-01T00:00:00Z\tregister\tA\ta@b\tpw\n2\t0\t2024-01-01T00:00:00Z\tpost\tA\thi\n"
	if err := os.WriteFile(bad, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	res := replayWith(t, "-base", "http://127.0.0.1:1", bad)
	if res.code != exitUsage || !strings.Contains(res.stderr, "bad.tsv: line 3: unknown action") {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	for _, args := range [][]string{
		{bad},
		{"-base", "ftp://x", bad},
		{"-base", "http://127.0.0.1:1?x=1", bad},
		{"-base", "http://127.0.0.1:1"},
		{"-base", "http://127.0.0.1:1", "-limit", "-1", bad},
	} {
		if res := replayWith(t, args...); res.code != exitUsage {
			t.Errorf("%q: exit %d, want 2", args, res.code)
		}
	}
}

// TestReplayGeneratedScenario ties the generator to the replayer: every
// action scenariogen writes must be one the replayer judges correct against
// a conforming server, including the re-registrations and the no-op follow
// and unfollow cases, and the read-back must agree on a fresh database.
func TestReplayGeneratedScenario(t *testing.T) {
	acts, err := gen.Generate(gen.Options{Users: 100, Actions: 2000, Seed: 11, FirstID: 1, Start: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	f := newFakeAPI()
	res := replayWith(t, "-base", f.start(t, false).URL, "-fresh", "-check", "40", "-progress", "500", writeScenario(t, acts))
	requests, conns, problems, latest := f.snapshot()
	for i, p := range problems {
		if i == 10 {
			t.Errorf("... %d more", len(problems)-10)
			break
		}
		t.Errorf("malformed request: %s", p)
	}
	if res.code != exitOK {
		t.Fatalf("exit %d\n%s", res.code, res.stdout)
	}
	if latest != 2000 || conns != requests {
		t.Errorf("latest %d, %d requests over %d connections", latest, requests, conns)
	}
	ch := res.report.Checks
	if len(ch.Users) != 40 || ch.Messages == 0 || ch.FollowPairs == 0 {
		t.Errorf("read-back too thin: %d users, %d messages, %d pairs", len(ch.Users), ch.Messages, ch.FollowPairs)
	}
	if !strings.Contains(res.stderr, "replay: 1500/2000 actions") {
		t.Errorf("no progress line:\n%s", res.stderr)
	}
}
