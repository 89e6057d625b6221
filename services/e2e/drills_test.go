package e2e

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestDrills are the process-level fault drills of issue 9: PostgreSQL
// killed with SIGKILL under a write load (nothing acknowledged is lost,
// the API fails fast with 503 while it is down and writes again soon after
// it is back), and one of two replicas of each service killed behind NGINX
// under a read load (no GET fails). Their figures are printed (-v), not
// asserted: the machine is shared.
func TestDrills(t *testing.T) {
	t.Run("PostgresKill", testDrillsPostgresKill)
	t.Run("ReplicaKill", testDrillsReplicaKill)
}

// drillCall is one request of a drill's load and what came back.
type drillCall struct {
	Worker     int
	Method     string
	Path       string
	Arg        string // the message text or the followed name of a write
	Start, End time.Time
	Status     int // 0 when no answer came
	Body       string
	Err        error
}

func (c drillCall) Elapsed() time.Duration { return c.End.Sub(c.Start) }

func (c drillCall) String() string {
	if c.Err != nil {
		return fmt.Sprintf("%s %s after %s: %v", c.Method, c.Path, c.Elapsed().Round(time.Millisecond), c.Err)
	}
	return fmt.Sprintf("%s %s after %s: %d %q", c.Method, c.Path, c.Elapsed().Round(time.Millisecond), c.Status, c.Body)
}

// drillLog collects the calls of concurrent workers.
type drillLog struct {
	mu    sync.Mutex
	calls []drillCall
}

func (l *drillLog) add(c drillCall) {
	l.mu.Lock()
	l.calls = append(l.calls, c)
	l.mu.Unlock()
}

// snapshot is the calls so far, in order of their start.
func (l *drillLog) snapshot() []drillCall {
	l.mu.Lock()
	out := append([]drillCall(nil), l.calls...)
	l.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out
}

// count is the number of calls so far for which ok holds.
func (l *drillLog) count(ok func(drillCall) bool) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, c := range l.calls {
		if ok(c) {
			n++
		}
	}
	return n
}

// drillDo sends one request; body, when not empty, is JSON. auth is the
// Authorization header ("" for none).
func drillDo(c *http.Client, worker int, method, url, path, auth, body string) drillCall {
	call := drillCall{Worker: worker, Method: method, Path: path, Start: time.Now()}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url+path, rd)
	if err != nil {
		call.Err, call.End = err, time.Now()
		return call
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.Do(req)
	if err != nil {
		call.Err, call.End = err, time.Now()
		return call
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	call.End, call.Status, call.Body, call.Err = time.Now(), res.StatusCode, string(b), err
	return call
}

// listSome is at most n of calls, one a line, and how many were left out.
func listSome(calls []drillCall, n int) string {
	var b strings.Builder
	for i, c := range calls {
		if i == n {
			fmt.Fprintf(&b, "\n... and %d more", len(calls)-n)
			break
		}
		fmt.Fprintf(&b, "\n%s", c)
	}
	return b.String()
}
