package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// diff is empty when want and got are equal, else shows both (the
// tools module keeps no test dependencies).
func diff(want, got any) string {
	if reflect.DeepEqual(want, got) {
		return ""
	}
	return fmt.Sprintf("-want %+v\n+got  %+v", want, got)
}

const allMix = "public=1,user=1,home=1,api_msgs=1,api_user_msgs=1,api_fllws=1,tweet=1,follow=1,unfollow=1"

func writeManifest(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "manifest.json")
	m := `{"users":100,"messages":1000,"follows":500,"heavy_follower":"heavy","popular_user":"popular",
		"heavy_author":"author","sample_users":["s1","s2","s3","s4","s5","s6","s7","s8","s9","s10","s11","s12"],"password":"pw","latest_message_id":1000}`
	if err := os.WriteFile(path, []byte(m), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runLoad runs the tool and returns its JSON report.
func runLoad(t *testing.T, args ...string) (Report, bool, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.json")
	var stdout, stderr bytes.Buffer
	failed, err := run(context.Background(), append(args, "-json", out), &stdout, &stderr)
	if err != nil {
		t.Fatalf("load %v: %v\n%s", args, err, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	return rep, failed, stdout.String()
}

func byName(rep Report) map[string]EndpointReport {
	m := map[string]EndpointReport{}
	for _, e := range rep.Endpoints {
		m[e.Name] = e
	}
	return m
}

func TestMixOfEveryEndpoint(t *testing.T) {
	f := newFake()
	srv := f.start(t)
	rep, failed, text := runLoad(t, "-url", srv.URL, "-manifest", writeManifest(t), "-mix", allMix, "-c", "4", "-n", "900")
	if failed || rep.Total.Errors != 0 {
		t.Fatalf("errors: %+v\n%s", rep.Total, text)
	}
	eps := byName(rep)
	var names []string
	for _, e := range rep.Endpoints {
		names = append(names, e.Name)
		if e.OK == 0 || e.P50Ms <= 0 || e.MaxMs < e.P99Ms || e.P99Ms < e.P90Ms || e.P90Ms < e.P50Ms || e.Throughput <= 0 {
			t.Errorf("%s: %+v", e.Name, e)
		}
	}
	if diff := diff(endpointNames, names); diff != "" {
		t.Errorf("endpoints :\n%s", diff)
	}
	// -n bounds the requests the mix chose; unfollows without an
	// outstanding follow add one, reported as a follow.
	if got := rep.Total.Requests - eps["follow"].Requests; got > 900 || got < 900-100 {
		t.Errorf("requests other than follows: %d, want at most 900", got)
	}
	for _, name := range endpointNames {
		if n := eps[name].Requests; n < 90 || n > 200 {
			t.Errorf("%s: %d requests, want about 100 of 900 (equal weights)", name, n)
		}
	}
	for _, want := range append(slices.Clone(endpointNames), "p99 ms", "total") {
		if !strings.Contains(text, want) {
			t.Errorf("text report lacks %q:\n%s", want, text)
		}
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	want := map[string]int64{
		"GET /public": eps["public"].Requests, "GET /<user>": eps["user"].Requests, "GET /": eps["home"].Requests,
		"GET /msgs": eps["api_msgs"].Requests, "GET /msgs/<user>": eps["api_user_msgs"].Requests,
		"GET /fllws/<user>": eps["api_fllws"].Requests, "POST /msgs/<user>": eps["tweet"].Requests,
		"POST /fllws/<user>": eps["follow"].Requests + eps["unfollow"].Requests,
	}
	got := map[string]int64{}
	for k, v := range f.hits {
		got[k] = int64(v)
	}
	if diff := diff(want, got); diff != "" {
		t.Errorf("server saw :\n%s", diff)
	}
	if f.logins != 4 || f.noSession != 0 {
		t.Errorf("%d sign-ins (want one per worker, 4), %d home requests without a session", f.logins, f.noSession)
	}
	if f.badAuth != 0 || f.strayUnfoll != 0 || f.selfFollows != 0 {
		t.Errorf("%d API calls without Basic auth, %d unfollows of pairs not followed, %d self-follows", f.badAuth, f.strayUnfoll, f.selfFollows)
	}
	apiCalls := eps["api_msgs"].Requests + eps["api_user_msgs"].Requests + eps["api_fllws"].Requests +
		eps["tweet"].Requests + eps["follow"].Requests + eps["unfollow"].Requests
	sorted := slices.Sorted(slices.Values(f.latest))
	if int64(len(f.latest)) != apiCalls || len(slices.Compact(sorted)) != len(f.latest) {
		t.Errorf("latest: %d values for %d API calls, want one distinct value each", len(f.latest), apiCalls)
	}
	// The transport may dial one spare while a connection is being
	// released, but reuses them.
	if f.newConns > 2*4 {
		t.Errorf("%d connections for 4 keep-alive workers", f.newConns)
	}
}

func TestCloseOpensAConnectionPerRequest(t *testing.T) {
	f := newFake()
	srv := f.start(t)
	rep, _, _ := runLoad(t, "-url", srv.URL, "-endpoint", "public", "-c", "2", "-n", "40", "-close")
	f.mu.Lock()
	defer f.mu.Unlock()
	if rep.Total.OK != 40 || f.newConns != 40 || rep.KeepAlive {
		t.Errorf("%d requests on %d connections (keep_alive %v), want 40 on 40", rep.Total.OK, f.newConns, rep.KeepAlive)
	}
}

func TestErrorsByKind(t *testing.T) {
	f := newFake()
	f.status["/public"] = 503
	srv := f.start(t)
	rep, failed, text := runLoad(t, "-url", srv.URL, "-mix", "public=1,api_msgs=1", "-c", "2", "-n", "20")
	eps := byName(rep)
	if !failed || eps["public"].Errors != 10 || eps["api_msgs"].Errors != 0 {
		t.Fatalf("failed=%v, report %+v", failed, rep.Endpoints)
	}
	if diff := diff(map[string]int64{"status 503": 10}, eps["public"].ErrorsByKind); diff != "" {
		t.Errorf("public errors :\n%s", diff)
	}
	if !strings.Contains(text, "public errors: 10 status 503") {
		t.Errorf("text report:\n%s", text)
	}

	// A closed port: refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	rep, failed, _ = runLoad(t, "-url", "http://"+addr, "-endpoint", "public", "-c", "1", "-n", "3")
	if diff := diff(map[string]int64{"refused": 3}, rep.Total.ErrorsByKind); !failed || diff != "" {
		t.Errorf("closed port :\n%s", diff)
	}

	// A server that does not answer within -timeout: timeout.
	slow := newFake()
	slow.block = make(chan struct{})
	srv = slow.start(t)
	defer close(slow.block)
	rep, failed, _ = runLoad(t, "-url", srv.URL, "-endpoint", "public", "-c", "2", "-n", "2", "-timeout", "50ms")
	if diff := diff(map[string]int64{"timeout": 2}, rep.Total.ErrorsByKind); !failed || diff != "" {
		t.Errorf("slow server :\n%s", diff)
	}
}

func TestRefusesTargetsOffThisMachine(t *testing.T) {
	for _, target := range []string{"http://192.0.2.10:8080", "http://example.com", "https://10.0.0.1", "http://[2001:db8::1]:80", "ftp://127.0.0.1"} {
		var stderr bytes.Buffer
		_, err := run(context.Background(), []string{"-url", target, "-n", "1"}, &bytes.Buffer{}, &stderr)
		if err == nil {
			t.Errorf("%s accepted", target)
		}
	}
	_, err := run(context.Background(), []string{"-url", "http://127.0.0.1:1", "-api-url", "http://192.0.2.1/api", "-n", "1"}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("-api-url off this machine: err = %v", err)
	}
	for _, target := range []string{"http://127.0.0.2:1", "http://[::1]:1", "http://localhost:1"} {
		if _, err := checkLoopback(context.Background(), target); err != nil {
			t.Errorf("%s refused: %v", target, err)
		}
	}
}

func TestBounds(t *testing.T) {
	f := newFake()
	srv := f.start(t)
	// Count bound, closed loop.
	rep, _, _ := runLoad(t, "-url", srv.URL, "-endpoint", "api_msgs", "-c", "8", "-n", "37")
	if rep.Total.Requests != 37 {
		t.Errorf("-n 37: %d requests", rep.Total.Requests)
	}
	// Count bound, open loop: the starts are paced, every one is sent.
	rep, _, _ = runLoad(t, "-url", srv.URL, "-endpoint", "public", "-rate", "400", "-n", "20", "-c", "4")
	if rep.Total.Requests != 20 || rep.Mode != "open" || rep.Rate != 400 {
		t.Errorf("-rate 400 -n 20: %+v", rep)
	}
	// Time bound: ends although no count is given.
	rep, _, _ = runLoad(t, "-url", srv.URL, "-endpoint", "public", "-c", "2", "-d", "150ms")
	if rep.Total.Requests == 0 || rep.DurationS < 0.15 {
		t.Errorf("-d 150ms: %d requests in %.3fs", rep.Total.Requests, rep.DurationS)
	}
	// Open loop with every worker held: starts beyond -c are late.
	f.block = make(chan struct{})
	go func() { time.Sleep(100 * time.Millisecond); close(f.block) }()
	rep, _, _ = runLoad(t, "-url", srv.URL, "-endpoint", "public", "-rate", "1000", "-n", "30", "-c", "2")
	if rep.LateStarts == 0 || rep.Total.OK != 30 {
		t.Errorf("held workers: %d late starts, %d OK, want some late and 30 OK", rep.LateStarts, rep.Total.OK)
	}
}

func TestUsersRequired(t *testing.T) {
	for _, mix := range []string{"user=1", "home=1", "api_fllws=1", "tweet=1", "unfollow=1"} {
		_, err := run(context.Background(), []string{"-url", "http://127.0.0.1:1", "-mix", mix, "-n", "1"}, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "-manifest") {
			t.Errorf("%s without users: err = %v", mix, err)
		}
	}
}

func TestParseMixAndSchedule(t *testing.T) {
	for _, bad := range []string{"", "nope=1", "public=x", "public=-1", "public=1,public=2", "public=0"} {
		if _, err := parseMix(bad); err == nil {
			t.Errorf("mix %q accepted", bad)
		}
	}
	mix, err := parseMix("api_msgs=3, public, tweet=0")
	if err != nil {
		t.Fatal(err)
	}
	if diff := diff([]weighted{{"public", 1}, {"api_msgs", 3}}, mix); diff != "" {
		t.Errorf("mix :\n%s", diff)
	}
	if diff := diff([]string{"api_msgs", "public", "api_msgs", "api_msgs"}, schedule(mix)); diff != "" {
		t.Errorf("schedule :\n%s", diff)
	}
}

func TestHistogram(t *testing.T) {
	// Buckets tile the value range without gaps or overlaps.
	var next uint64
	for i := range histBuckets - 1 {
		lo, hi := bucketRange(i)
		if lo != next || hi < lo || bucketOf(lo) != i || bucketOf(hi) != i {
			t.Fatalf("bucket %d: [%d, %d], expected to start at %d", i, lo, hi, next)
		}
		next = hi + 1
	}

	var h hist
	rng := rand.New(rand.NewPCG(1, 2))
	samples := make([]time.Duration, 100_000)
	for i := range samples {
		samples[i] = time.Duration(rng.ExpFloat64() * float64(5*time.Millisecond)).Truncate(time.Microsecond)
		h.record(samples[i])
	}
	slices.Sort(samples)
	for _, q := range []float64{0.5, 0.9, 0.99} {
		exact := samples[int(q*float64(len(samples)))-1]
		got := h.quantile(q)
		if diff := float64(got-exact) / float64(exact); diff > 0.01 || diff < -0.01 {
			t.Errorf("p%.0f = %v, exact %v", q*100, got, exact)
		}
	}
	if h.max() != samples[len(samples)-1] {
		t.Errorf("max = %v, want %v", h.max(), samples[len(samples)-1])
	}
}
