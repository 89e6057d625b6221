package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const simulatorAuth = "Basic c2ltdWxhdG9yOnN1cGVyX3NhZmUh" // simulator:super_safe!

// apiCall is one simulator API request through the gateway.
type apiCall struct {
	Status  int
	Body    []byte
	Elapsed time.Duration
	Err     error
}

func (s *localSwarm) api(c *http.Client, method, path string, body any) apiCall {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.baseURL()+"/api"+path, rd)
	if err != nil {
		return apiCall{Err: err}
	}
	req.Header.Set("Authorization", simulatorAuth)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	res, err := c.Do(req)
	if err != nil {
		return apiCall{Err: err, Elapsed: time.Since(start)}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return apiCall{Status: res.StatusCode, Body: b, Elapsed: time.Since(start), Err: err}
}

// swarmDatabaseOutage stops PostgreSQL for 20 s while clients keep calling
// the API. Every answer meanwhile is the API's own 503 JSON error body; no
// web, api or follower container is restarted (their container health
// means "this process works"); the API answers again soon after the
// database is back; every write acknowledged before the stop survives.
func swarmDatabaseOutage(t *testing.T, s *localSwarm) {
	c := s.client(5 * time.Second)
	const writer, acked = "outage-writer", 40
	if r := s.api(c, "POST", "/register", map[string]string{"username": writer, "email": "ow@example.com", "pwd": "pw"}); r.Status != 204 {
		t.Fatalf("register %s: %d %s %v", writer, r.Status, r.Body, r.Err)
	}
	for i := 0; i < acked; i++ {
		if r := s.api(c, "POST", "/msgs/"+writer, map[string]string{"content": fmt.Sprintf("acknowledged before the outage %d", i)}); r.Status != 204 {
			t.Fatalf("message %d: %d %s %v", i, r.Status, r.Body, r.Err)
		}
	}
	before := map[string][]string{}
	for _, svc := range []string{"web", "api", "follower"} {
		before[svc] = s.containers(t, svc)
		sort.Strings(before[svc])
	}

	s.docker(t, "service", "scale", "--detach", s.stack+"_postgres=0")
	Eventually(t, time.Minute, "the postgres container is gone", func() error {
		if ids := s.containers(t, "postgres"); len(ids) != 0 {
			return fmt.Errorf("still running: %v", ids)
		}
		return nil
	})
	stopped := time.Now()

	// Four clients call the API for 20 s: reads and writes.
	var (
		mu    sync.Mutex
		calls []apiCall
		wg    sync.WaitGroup
	)
	probe := c
	probe.Timeout = 5 * time.Second
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; time.Since(stopped) < 20*time.Second; i++ {
				var r apiCall
				switch i % 3 {
				case 0:
					r = s.api(probe, "GET", "/msgs?no=5", nil)
				case 1:
					r = s.api(probe, "GET", "/msgs/"+writer+"?no=5", nil)
				default:
					r = s.api(probe, "POST", "/msgs/"+writer, map[string]string{"content": "during the outage"})
				}
				mu.Lock()
				calls = append(calls, r)
				mu.Unlock()
				time.Sleep(50 * time.Millisecond)
			}
		}(w)
	}
	wg.Wait()

	wantBody := map[string]any{"status": float64(503), "error_msg": "Service temporarily unavailable, please retry"}
	var slowest time.Duration
	var wrong []string
	for _, r := range calls {
		slowest = max(slowest, r.Elapsed)
		var body map[string]any
		if r.Err != nil || r.Status != 503 || json.Unmarshal(r.Body, &body) != nil || !cmp.Equal(wantBody, body) {
			wrong = append(wrong, fmt.Sprintf("%d %q %v", r.Status, r.Body, r.Err))
		}
	}
	t.Logf("database down 20 s: %d API calls, all answered in at most %s (target 0.3 s); %d not the API's 503 JSON body",
		len(calls), slowest.Round(time.Millisecond), len(wrong))
	if len(calls) == 0 || len(wrong) != 0 {
		t.Errorf("during the outage %d of %d calls were not the API's 503 JSON error: %q", len(wrong), len(calls), first(wrong, 5))
	}

	s.docker(t, "service", "scale", "--detach", s.stack+"_postgres=1")
	var back time.Time
	Eventually(t, 2*time.Minute, "PostgreSQL accepts connections again", func() error {
		ids := s.containers(t, "postgres")
		if len(ids) != 1 {
			return fmt.Errorf("%d postgres containers", len(ids))
		}
		if out, err := s.tryDocker("exec", ids[0], "pg_isready", "-q", "-h", "127.0.0.1", "-U", "minitwit", "-d", "minitwit"); err != nil {
			return fmt.Errorf("pg_isready: %v %s", err, out)
		}
		back = time.Now()
		return nil
	})
	Eventually(t, time.Minute, "the API answers from the database again", func() error {
		if r := s.api(probe, "GET", "/msgs/"+writer+"?no=5", nil); r.Status != 200 {
			return fmt.Errorf("%d %s %v", r.Status, r.Body, r.Err)
		}
		return nil
	})
	t.Logf("the API answered 200 again %s after PostgreSQL accepted connections (target 5 s)", time.Since(back).Round(100*time.Millisecond))
	// Every service is whole again (web's own readiness includes the follower).
	s.waitHealthy(t, 2*time.Minute)

	for _, svc := range []string{"web", "api", "follower"} {
		now := s.containers(t, svc)
		sort.Strings(now)
		if d := cmp.Diff(before[svc], now); d != "" {
			t.Errorf("%s containers changed across the outage (restarted by their health check?) (-before +after):\n%s", svc, d)
		}
	}
	got := strings.TrimSpace(s.psql(t, "SELECT count(*) FROM messages m JOIN users u ON u.id = m.author_id WHERE u.username = '"+writer+"' AND m.text LIKE 'acknowledged before the outage %'"))
	if got != fmt.Sprint(acked) {
		t.Errorf("acknowledged messages after the outage: %s, want %d", got, acked)
	}
}

// psql runs SQL in the stack's PostgreSQL over its local socket.
func (s *localSwarm) psql(t testing.TB, sql string) string {
	t.Helper()
	ids := s.containers(t, "postgres")
	if len(ids) != 1 {
		t.Fatalf("%d postgres containers", len(ids))
	}
	return s.docker(t, "exec", ids[0], "psql", "-qAt", "-U", "minitwit", "-d", "minitwit", "-c", sql)
}
