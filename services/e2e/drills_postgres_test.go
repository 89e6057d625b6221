package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const (
	pgDrillWriters  = 4               // concurrent API clients writing
	pgDrillTargets  = 20              // users the writers follow
	pgDrillDown     = 3 * time.Second // how long the load runs against the dead database
	pgDrillAfter    = 2 * time.Second // how long it runs on after the first write succeeded again
	pgDrillMaxCalls = 50000           // bound on one writer's requests
	// pgDrillRecoveryBound is a correctness bound, not the target (5 s):
	// a service that never writes again fails the drill.
	pgDrillRecoveryBound = 60 * time.Second
	// pgDrillRecoveryTarget is the target, printed next to the figure.
	pgDrillRecoveryTarget = 5 * time.Second
)

// testDrillsPostgresKill: web, api and follower as separate processes on a
// real PostgreSQL; writers post messages and follows through the API and
// record every acknowledged (2xx) write; PostgreSQL is killed with SIGKILL
// mid-load, left dead for a while, and started again on the same data
// directory (crash recovery). Every answer that is not a 2xx must be the
// API's 503 JSON error (fast failure, not a hang and not a 500); the API
// must write again once the database is back; and every acknowledged write
// must be in the database afterwards.
func testDrillsPostgresKill(t *testing.T) {
	pg := StartPostgres(t, PostgresOpts{Settings: map[string]string{"log_timezone": "UTC"}})
	dbURL := pg.URL("minitwit")
	sp := StartSplit(t, dbURL)
	api := sp.API.URL
	client := &http.Client{Timeout: 10 * time.Second}

	writer := func(w int) string { return fmt.Sprintf("drill writer %d", w) }
	target := func(n int) string { return fmt.Sprintf("drill target %d", n) }
	register := func(name string) {
		body, _ := json.Marshal(map[string]string{"username": name, "email": strings.ReplaceAll(name, " ", ".") + "@example.org", "pwd": "pw"})
		if c := drillDo(client, -1, "POST", api, "/register", loadAuth, string(body)); c.Status != http.StatusNoContent {
			t.Fatalf("setup: %s", c)
		}
	}
	for w := range pgDrillWriters {
		register(writer(w))
	}
	for n := range pgDrillTargets {
		register(target(n))
	}

	// The write load: each writer posts messages, and every fourth request
	// follows one of the targets.
	var (
		log  drillLog
		stop atomic.Bool
		wg   sync.WaitGroup
	)
	for w := range pgDrillWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < pgDrillMaxCalls && !stop.Load(); i++ {
				path, arg, body := "/msgs/"+url.PathEscape(writer(w)), fmt.Sprintf("drill message %d/%d", w, i), ""
				if i%4 == 3 {
					path, arg = "/fllws/"+url.PathEscape(writer(w)), target((w*7+i)%pgDrillTargets)
					b, _ := json.Marshal(map[string]string{"follow": arg})
					body = string(b)
				} else {
					b, _ := json.Marshal(map[string]string{"content": arg})
					body = string(b)
				}
				c := drillDo(client, w, "POST", api, path, loadAuth, body)
				c.Arg = arg
				log.add(c)
				if c.Status/100 != 2 {
					time.Sleep(10 * time.Millisecond) // a client's pause before its next try
				}
			}
		}()
	}
	// One reader beside them: the web's public timeline and the API's.
	var reads drillLog
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < pgDrillMaxCalls && !stop.Load(); i++ {
			if i%2 == 0 {
				reads.add(drillDo(client, -1, "GET", sp.Web.URL, "/public", "", ""))
			} else {
				reads.add(drillDo(client, -1, "GET", api, "/msgs?no=10", loadAuth, ""))
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	stopLoad := func() {
		stop.Store(true)
		wg.Wait()
	}
	defer stopLoad()

	acked := func(c drillCall) bool { return c.Status/100 == 2 }
	Eventually(t, 60*time.Second, "the write load running", func() error {
		if n := log.count(acked); n < 100 {
			return fmt.Errorf("%d writes acknowledged", n)
		}
		return nil
	})

	pg.Kill(t)
	// From here on no write can succeed until the restart: every server
	// process is gone.
	killed := time.Now()
	t.Logf("PostgreSQL (postmaster and its process group) killed with SIGKILL after %d acknowledged writes", log.count(acked))
	time.Sleep(pgDrillDown) // the load goes on against the dead database

	// Restart on the same data directory. The server's own log line says
	// when it accepts connections again, to the millisecond.
	restarted := time.Now()
	pg.Restart(t)
	ready, err := pgReadyAt(pg.Proc().LogPath, restarted)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("PostgreSQL restarted: accepting connections %s after the restart (crash recovery)", ready.Sub(restarted).Round(time.Millisecond))

	var firstAck drillCall
	Eventually(t, pgDrillRecoveryBound, "a write acknowledged after the restart", func() error {
		for _, c := range log.snapshot() {
			if acked(c) && c.Start.After(killed) && (firstAck.End.IsZero() || c.End.Before(firstAck.End)) {
				firstAck = c
			}
		}
		if firstAck.End.IsZero() {
			return fmt.Errorf("none yet")
		}
		return nil
	})
	time.Sleep(pgDrillAfter)
	stopLoad()
	calls := log.snapshot()

	// Every answer is an acknowledgement or the API's own 503.
	want503 := map[string]any{"status": float64(503), "error_msg": "Service temporarily unavailable, please retry"}
	var (
		failed, wrong []drillCall
		slowestFail   time.Duration
		ackedN        int
	)
	for _, c := range calls {
		if acked(c) {
			ackedN++
			continue
		}
		failed = append(failed, c)
		slowestFail = max(slowestFail, c.Elapsed())
		var body map[string]any
		if c.Err != nil || c.Status != http.StatusServiceUnavailable || json.Unmarshal([]byte(c.Body), &body) != nil || !cmp.Equal(want503, body) {
			wrong = append(wrong, c)
		}
	}
	if len(wrong) > 0 {
		t.Errorf("%d of %d failed requests were not the API's 503:%s", len(wrong), len(failed), listSome(wrong, 20))
	}
	if len(failed) == 0 {
		t.Errorf("no request failed although PostgreSQL was down for %s", pgDrillDown)
	}
	// Reads fail the same way: the API's 503 body, the web's 503 page.
	var readFailed, readWrong []drillCall
	var slowestReadFail time.Duration
	for _, c := range reads.snapshot() {
		if c.Status == http.StatusOK {
			continue
		}
		readFailed = append(readFailed, c)
		slowestReadFail = max(slowestReadFail, c.Elapsed())
		var body map[string]any
		if c.Err != nil || c.Status != http.StatusServiceUnavailable ||
			(strings.HasPrefix(c.Path, "/msgs") && (json.Unmarshal([]byte(c.Body), &body) != nil || !cmp.Equal(want503, body))) {
			readWrong = append(readWrong, c)
		}
	}
	if len(readWrong) > 0 {
		t.Errorf("%d of %d failed reads were not a 503:%s", len(readWrong), len(readFailed), listSome(readWrong, 20))
	}

	// Every acknowledged write is in the database.
	rows := pg.SQL(t, "minitwit", `SELECT u.username || '|' || m.text FROM messages m JOIN users u ON u.id = m.author_id WHERE u.username LIKE 'drill writer %'
UNION ALL SELECT w.username || '|' || x.username FROM follows f JOIN users w ON w.id = f.who_id JOIN users x ON x.id = f.whom_id WHERE w.username LIKE 'drill writer %'`)
	stored := map[string]bool{}
	for _, r := range strings.Split(rows, "\n") {
		stored[r] = true
	}
	var lost []string
	ackedMsgs, ackedFollows, storedUnacked := 0, map[string]bool{}, 0
	for _, c := range calls {
		key := writer(c.Worker) + "|" + c.Arg
		switch {
		case acked(c) && !stored[key]:
			lost = append(lost, fmt.Sprintf("%s %s %q acknowledged at %s", c.Method, c.Path, c.Arg, c.End.Format("15:04:05.000")))
		case acked(c) && strings.HasPrefix(c.Path, "/msgs/"):
			ackedMsgs++
		case acked(c):
			ackedFollows[key] = true
		case stored[key] && strings.HasPrefix(c.Path, "/msgs/"):
			storedUnacked++ // committed, but the answer was lost with the server
		}
	}
	if len(lost) > 0 {
		t.Errorf("%d acknowledged writes are not in the database:\n%s", len(lost), strings.Join(lost[:min(len(lost), 20)], "\n"))
	}

	recovery := firstAck.End.Sub(ready)
	var during []drillCall
	for _, c := range calls {
		if c.Start.After(killed) && c.Start.Before(ready) {
			during = append(during, c)
		}
	}
	var slowestDuring time.Duration
	for _, c := range during {
		slowestDuring = max(slowestDuring, c.Elapsed())
	}
	t.Logf("PostgresKill figures (shared 2-core machine, noisy):\n"+
		"  requests %d: %d acknowledged (%d messages, %d distinct follows), %d failed (%d not a 503)\n"+
		"  database down %s (kill to accepting connections); %d requests sent meanwhile, slowest answer %s; slowest failed request of the drill %s\n"+
		"  crash recovery (restart to accepting connections) %s\n"+
		"  first acknowledged write %s after the database accepted connections (target <= %s); %s after the restart began\n"+
		"  acknowledged writes lost: %d; writes answered 503 but committed anyway: %d\n"+
		"  reads (web /public, API /msgs) %d, failed %d (%d not a 503), slowest failed read %s",
		len(calls), ackedN, ackedMsgs, len(ackedFollows), len(failed), len(wrong),
		ready.Sub(killed).Round(time.Millisecond), len(during), slowestDuring.Round(time.Millisecond), slowestFail.Round(time.Millisecond),
		ready.Sub(restarted).Round(time.Millisecond),
		recovery.Round(time.Millisecond), pgDrillRecoveryTarget, firstAck.End.Sub(restarted).Round(time.Millisecond),
		len(lost), storedUnacked,
		len(reads.snapshot()), len(readFailed), len(readWrong), slowestReadFail.Round(time.Millisecond))
}

// pgReadyLine is what PostgreSQL logs once it accepts connections.
const pgReadyLine = "database system is ready to accept connections"

// pgReadyAt is the time of the first "ready to accept connections" line
// of the server log at path that is not before since. The log's prefix is
// PostgreSQL's default, "%m [%p] ", with log_timezone=UTC.
func pgReadyAt(path string, since time.Time) (time.Time, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return time.Time{}, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.Contains(line, pgReadyLine) || len(line) < 27 {
			continue
		}
		at, err := time.Parse("2006-01-02 15:04:05.000 MST", line[:27])
		if err != nil {
			return time.Time{}, fmt.Errorf("%s: %q: %v", path, line, err)
		}
		// The log has milliseconds; since has more.
		if !at.Before(since.Truncate(time.Millisecond)) {
			return at, nil
		}
	}
	return time.Time{}, fmt.Errorf("%s: no %q line after %s", path, pgReadyLine, since.Format(time.RFC3339Nano))
}
