package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	loadLoops     = 3      // concurrent writers
	followTargets = 300    // users registered beforehand for the writers to follow
	maxLoadRounds = 100000 // bound on one writer's rounds; a drill stops it long before
	// loadAuth is the simulator API's Basic credentials (simulator:super_safe!).
	loadAuth = "Basic c2ltdWxhdG9yOnN1cGVyX3NhZmUh"
)

// simClient sends the load's requests; its timeout makes a hung server a
// failed request, not a hung test.
var simClient = &http.Client{Timeout: 10 * time.Second}

// simAPI sends one simulator API request (body marshalled as JSON unless
// nil) and returns the status, or an error when no answer came.
func simAPI(method, u string, body any) (int, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", loadAuth)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := simClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// mustSimAPI sends a request that must be answered with want.
func mustSimAPI(t *testing.T, want int, method, u string, body any) {
	t.Helper()
	code, err := simAPI(method, u, body)
	if err != nil || code != want {
		t.Fatalf("%s %s: status %d (%v), want %d", method, u, code, err, want)
	}
}

// loadUser is the name of load writer n.
func loadUser(n int) string { return fmt.Sprintf("load %d ü", n) }

// ensureLoadUsers registers the writers and the users they follow through
// the API of base, unless the database already has them (a restored
// database has them from the backup).
func (d *dataOps) ensureLoadUsers(t *testing.T, pg *Postgres, base string) {
	t.Helper()
	if pg.SQL(t, "minitwit", fmt.Sprintf("SELECT count(*) FROM users WHERE username = 'target %d'", followTargets-1)) == "1" {
		return
	}
	for n := range loadLoops {
		mustSimAPI(t, http.StatusNoContent, "POST", base+"/api/register",
			map[string]string{"username": loadUser(n), "email": fmt.Sprintf("l%d@example.org", n), "pwd": "pw"})
	}
	for n := range followTargets {
		mustSimAPI(t, http.StatusNoContent, "POST", base+"/api/register",
			map[string]string{"username": fmt.Sprintf("target %d", n), "email": fmt.Sprintf("t%d@example.org", n), "pwd": "pw"})
	}
}

// ackedWrite is one write the server acknowledged with 204.
type ackedWrite struct {
	Kind   string // tweet, follow or register
	User   string
	Detail string // the tweet's text or the followed user
	Server string // base URL of the server that acknowledged it
}

// writeLoad is loadLoops writers sending the simulator API a steady mix of
// tweets, follows, reads and registrations to the server named by target
// (read at the start of each round, so changing it moves the load).
type writeLoad struct {
	target atomic.Pointer[string]
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once

	rounds   [loadLoops]atomic.Int64           // rounds each writer completed
	roundURL [loadLoops]atomic.Pointer[string] // server of each writer's latest round

	mu    sync.Mutex
	acks  []ackedWrite
	fails []string
}

// startLoad starts the writers against base; the test's end stops them.
func (d *dataOps) startLoad(t *testing.T, base string) *writeLoad {
	d.loadRuns++
	run := d.loadRuns
	ctx, cancel := context.WithCancel(context.Background())
	l := &writeLoad{cancel: cancel}
	l.target.Store(&base)
	for n := range loadLoops {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			l.writer(ctx, run, n)
		}()
	}
	t.Cleanup(func() { l.Stop() })
	return l
}

// writer is one writer's loop. Round i: a tweet, a follow of a user it does
// not follow yet in this run, a read of its timeline, and every 8th round a
// new user who tweets at once on the same server.
func (l *writeLoad) writer(ctx context.Context, run, n int) {
	me := loadUser(n)
	for i := 1; i <= maxLoadRounds && ctx.Err() == nil; i++ {
		base := *l.target.Load()
		l.roundURL[n].Store(&base)
		text := fmt.Sprintf("drill %d-%d-%d “quoted” — ü", run, n, i)
		l.write(ackedWrite{"tweet", me, text, base}, "POST", fmt.Sprintf("%s/api/msgs/%s?latest=%d", base, url.PathEscape(me), i),
			map[string]string{"content": text})
		whom := fmt.Sprintf("target %d", ((run-1)*50+i)%followTargets)
		l.write(ackedWrite{"follow", me, whom, base}, "POST", base+"/api/fllws/"+url.PathEscape(me),
			map[string]string{"follow": whom})
		if code, err := simAPI("GET", base+"/api/msgs/"+url.PathEscape(me)+"?no=5", nil); err != nil || code != http.StatusOK {
			l.fail(fmt.Sprintf("GET msgs %s at %s: status %d %v", me, base, code, err))
		}
		if i%8 == 0 {
			name := fmt.Sprintf("new %d %d %d", run, n, i)
			if l.write(ackedWrite{"register", name, "", base}, "POST", base+"/api/register",
				map[string]string{"username": name, "email": fmt.Sprintf("n%d.%d@example.org", n, i), "pwd": `p"w`}) {
				first := "first of " + name
				l.write(ackedWrite{"tweet", name, first, base}, "POST", base+"/api/msgs/"+url.PathEscape(name),
					map[string]string{"content": first})
			}
		}
		l.rounds[n].Add(1)
	}
}

// write sends one write and records it as acknowledged (204) or failed.
func (l *writeLoad) write(a ackedWrite, method, u string, body any) bool {
	code, err := simAPI(method, u, body)
	if err == nil && code == http.StatusNoContent {
		l.mu.Lock()
		l.acks = append(l.acks, a)
		l.mu.Unlock()
		return true
	}
	l.fail(fmt.Sprintf("%s %s (%s %q): status %d %v", method, u, a.Kind, a.User, code, err))
	return false
}

func (l *writeLoad) fail(what string) {
	l.mu.Lock()
	l.fails = append(l.fails, what)
	l.mu.Unlock()
}

// SetTarget moves the load to another server from each writer's next round.
func (l *writeLoad) SetTarget(base string) { l.target.Store(&base) }

// WaitRounds waits until every writer has completed n more rounds.
func (l *writeLoad) WaitRounds(t *testing.T, n int64) {
	t.Helper()
	var want [loadLoops]int64
	for i := range want {
		want[i] = l.rounds[i].Load() + n
	}
	Eventually(t, 2*time.Minute, fmt.Sprintf("every writer completes %d more rounds", n), func() error {
		for i := range want {
			if got := l.rounds[i].Load(); got < want[i] {
				return fmt.Errorf("writer %d at round %d of %d (failures so far: %d)", i, got, want[i], len(l.Fails()))
			}
		}
		return nil
	})
}

// WaitOnTarget waits until every writer has started a round against base:
// from then on no request goes to the previous server.
func (l *writeLoad) WaitOnTarget(t *testing.T, base string) {
	t.Helper()
	Eventually(t, 2*time.Minute, "every writer on "+base, func() error {
		for i := range l.roundURL {
			if u := l.roundURL[i].Load(); u == nil || *u != base {
				return fmt.Errorf("writer %d still on its previous server", i)
			}
		}
		return nil
	})
}

// Fails is a copy of the failed requests so far.
func (l *writeLoad) Fails() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.fails...)
}

// Stop ends the writers after their current round and returns every
// acknowledged write and every failed request.
func (l *writeLoad) Stop() (acks []ackedWrite, fails []string) {
	l.once.Do(func() {
		l.cancel()
		l.wg.Wait()
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]ackedWrite(nil), l.acks...), append([]string(nil), l.fails...)
}

// acksAt counts the writes acknowledged by the server at base.
func acksAt(acks []ackedWrite, base string) int {
	n := 0
	for _, a := range acks {
		if a.Server == base {
			n++
		}
	}
	return n
}
