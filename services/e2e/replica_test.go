package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/google/go-cmp/cmp"
)

// TestReplica runs the services on a PostgreSQL primary with a real
// streaming replica (pg_basebackup -R) as DATABASE_READ_URL: reads are
// served by the replica, no read after an acknowledged write is stale
// (also while replay is paused or delayed), and a simulator replay through
// it has no error.
func TestReplica(t *testing.T) {
	t.Run("SQLiteRefused", testReplicaSQLiteRefused)
	t.Run("StackFile", testReplicaStackFile)

	sys := &Shared[*replicaSystem]{Parent: t, Start: startReplicaSystem}
	t.Run("Standby", func(t *testing.T) { testReplicaStandby(t, sys.Get(t)) })
	t.Run("ReadsFromReplica", func(t *testing.T) { testReplicaReadsFromReplica(t, sys.Get(t)) })
	t.Run("ReadYourWrites", func(t *testing.T) { testReplicaReadYourWrites(t, sys.Get(t)) })
	t.Run("ReplayPaused", func(t *testing.T) { testReplicaReplayPaused(t, sys.Get(t)) })
	t.Run("ApplyDelayed", func(t *testing.T) { testReplicaApplyDelayed(t, sys.Get(t)) })
	t.Run("SimulatorReplay", func(t *testing.T) { testReplicaSimulatorReplay(t, sys.Get(t)) })
	t.Run("StandbyScripts", func(t *testing.T) { testReplicaStandbyScripts(t, sys.Get(t)) })
}

// replicaSystem is a primary, its streaming standby and the split services
// with a second API process, all reading through DATABASE_READ_URL.
type replicaSystem struct {
	primary, standby *Postgres
	split            *Split
	api2             *Service // a second api replica: writes go to one, reads to the other
	env              []string // DATABASE_READ_URL of database minitwit
}

func startReplicaSystem(t testing.TB) *replicaSystem {
	primary := StartPostgres(t, PostgresOpts{Settings: map[string]string{
		"shared_preload_libraries": "pg_stat_statements",
		"max_wal_senders":          "10",
	}})
	primary.SQL(t, "minitwit", "CREATE EXTENSION pg_stat_statements")
	Migrate(t, primary.URL("minitwit"))
	standby := StartStandby(t, primary, map[string]string{"shared_preload_libraries": "pg_stat_statements"})
	env := []string{"DATABASE_READ_URL=" + standby.URL("minitwit")}
	split := StartSplit(t, primary.URL("minitwit"), env...)
	api2 := StartService(t, "api", ServiceOpts{DatabaseURL: primary.URL("minitwit"),
		Env: append([]string{"FOLLOWER_URL=" + split.Follower.URL}, env...)})
	return &replicaSystem{primary: primary, standby: standby, split: split, api2: api2, env: env}
}

// StartStandby makes a hot standby of primary with pg_basebackup -R (the
// replication connection and standby.signal written by the tool) and starts
// it on its own port; it returns once the standby accepts connections in
// recovery. settings are extra "-c" server settings.
func StartStandby(t testing.TB, primary *Postgres, settings map[string]string) *Postgres {
	t.Helper()
	dir, err := os.MkdirTemp("", "minitwit-e2e-standby.")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	chownToPostgres(t, dir)
	asPostgres(t, filepath.Join(pgBin, "pg_basebackup"),
		"-d", fmt.Sprintf("host=127.0.0.1 port=%d user=postgres", primary.Port),
		"-D", dir+"/data", "-R", "-X", "stream", "-c", "fast")
	sb := &Postgres{Dir: dir, Port: FreePort(t)}
	// A hot standby needs max_connections at least the primary's (200).
	args := []string{filepath.Join(pgBin, "postgres"), "-D", dir + "/data",
		"-p", strconv.Itoa(sb.Port), "-k", dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "hot_standby=on", "-c", "max_connections=200"}
	for k, v := range settings {
		args = append(args, "-c", k+"="+v)
	}
	sb.proc = StartProc(t, fmt.Sprintf("standby-%d", sb.Port), ProcOpts{LogDir: dir, Cred: postgresCred(t)}, args...)
	Eventually(t, 60*time.Second, "the standby accepting connections in recovery", func() error {
		if sb.proc.Exited() {
			t.Fatalf("standby exited:\n%s", sb.proc.Log())
		}
		out, err := TryCmd(nil, "psql", "-X", "-qAt", sb.URL("postgres"), "-c", "SELECT pg_is_in_recovery()")
		if err != nil {
			return err
		}
		if strings.TrimSpace(out) != "t" {
			return fmt.Errorf("pg_is_in_recovery() = %q", out)
		}
		return nil
	})
	return sb
}

// testReplicaSQLiteRefused: DATABASE_READ_URL next to an SQLite database is
// refused with a clear error before anything starts.
func testReplicaSQLiteRefused(t *testing.T) {
	env := []string{"DATABASE_URL=" + filepath.Join(t.TempDir(), "x.db"), "DATABASE_READ_URL=postgres://u@127.0.0.1:1/minitwit"}
	out, err := TryCmd(env, bin("minitwit"), "migrate", "status")
	if err == nil {
		t.Fatalf("minitwit accepted DATABASE_READ_URL with an SQLite DATABASE_URL:\n%s", out)
	}
	if !strings.Contains(out, "DATABASE_READ_URL is set but DATABASE_URL is not a postgres:// URL") {
		t.Errorf("output does not say why:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(strings.TrimPrefix(env[0], "DATABASE_URL=")), "x.db")); err == nil {
		t.Error("the SQLite file was created anyway")
	}
}

// testReplicaStandby: the read URL is a server in recovery that the primary
// streams to.
func testReplicaStandby(t *testing.T, s *replicaSystem) {
	if got := s.standby.SQL(t, "minitwit", "SELECT pg_is_in_recovery()"); got != "t" {
		t.Errorf("standby: pg_is_in_recovery() = %q, want t", got)
	}
	if got := s.primary.SQL(t, "minitwit", "SELECT pg_is_in_recovery()"); got != "f" {
		t.Errorf("primary: pg_is_in_recovery() = %q, want f", got)
	}
	if got := s.primary.SQL(t, "postgres", "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"); got != "1" {
		t.Errorf("primary streams to %s standbys, want 1", got)
	}
}

// testReplicaReadsFromReplica: with no write going on, every timeline and
// list read of the API, the web and the follower service is served by the
// replica: its counter moves, the replica runs the statements that read
// messages and follows, and the primary runs none of them.
func testReplicaReadsFromReplica(t *testing.T, s *replicaSystem) {
	api, web := s.split.API.URL, s.split.Web.URL
	const author, fan = "replica reader", "replica fan"
	mustSimAPI(t, 204, "POST", api+"/register", map[string]string{"username": author, "email": "a@x", "pwd": "pw"})
	mustSimAPI(t, 204, "POST", api+"/register", map[string]string{"username": fan, "email": "f@x", "pwd": "pw"})
	mustSimAPI(t, 204, "POST", api+"/msgs/"+url.PathEscape(author), map[string]string{"content": "read me from the replica"})
	mustSimAPI(t, 204, "POST", api+"/fllws/"+url.PathEscape(fan), map[string]string{"follow": author})
	br := newReplicaBrowser(t, web)
	br.signIn(t, fan, "pw")
	waitCaughtUp(t, s)

	services := []*Service{s.split.API, s.split.Web, s.split.Follower}
	before := make([]readCounts, len(services))
	for i, svc := range services {
		before[i] = dbReads(t, svc)
	}
	primaryBefore, standbyBefore := readStatements(t, s.primary), readStatements(t, s.standby)
	checksBefore := replayChecks(t, s.standby)

	const rounds = 20
	for range rounds {
		if got := apiMessages(t, api+"/msgs?no=5"); len(got) == 0 {
			t.Fatal("GET /msgs: no messages")
		}
		if got := apiMessages(t, api+"/msgs/"+url.PathEscape(author)+"?no=5"); len(got) == 0 {
			t.Fatal("GET /msgs/<author>: no messages")
		}
		if got := apiFollows(t, api+"/fllws/"+url.PathEscape(fan)); !slices.Contains(got, author) {
			t.Fatalf("GET /fllws/<fan> = %q, want %q in it", got, author)
		}
		for _, page := range []string{"/public", "/" + url.PathEscape(author), "/"} {
			if body := br.page(t, page); !strings.Contains(body, "read me from the replica") {
				t.Fatalf("web %s lacks the message", page)
			}
		}
	}

	// Every routed read is counted once, on the service that made it. The
	// replica serves reads while it has replayed the primary's flush
	// position; background WAL on the primary (autovacuum, checkpoints) can
	// make a read wait and fall back, so fallbacks are allowed but must be
	// exactly the reads the primary ran.
	want := map[string]float64{"api": 2 * rounds, "web": 3 * rounds, "follower": rounds}
	var replicaReads, fallbacks float64
	for i, svc := range services {
		d := dbReads(t, svc).minus(before[i])
		t.Logf("%s reads: %v", svc.Name, d)
		if d.replica()+d.primary() != want[svc.Name] || d.replica() == 0 {
			t.Errorf("%s: %v reads served by the replica and %v by the primary, want %v in all, some by the replica", svc.Name, d.replica(), d.primary(), want[svc.Name])
		}
		replicaReads += d.replica()
		fallbacks += d.primary()
	}
	pd, sd := readStatements(t, s.primary)-primaryBefore, readStatements(t, s.standby)-standbyBefore
	t.Logf("timeline and list statements: primary %d, standby %d; replay position checks on the standby: %d (skipped while a connection had already seen it current)",
		pd, sd, replayChecks(t, s.standby)-checksBefore)
	if float64(pd) != fallbacks {
		t.Errorf("the primary ran %d timeline and list statements, want %v (the counted fallbacks)", pd, fallbacks)
	}
	if float64(sd) < replicaReads {
		t.Errorf("the standby ran %d timeline and list statements, want at least %v (the reads it served)", sd, replicaReads)
	}
}

// testReplicaReadYourWrites: a write through one API process or the web,
// then at once a read through another process, rounds on end: never stale.
func testReplicaReadYourWrites(t *testing.T, s *replicaSystem) {
	waitCaughtUp(t, s)
	before := dbReads(t, s.api2).plus(dbReads(t, s.split.Web))
	stale := writeThenRead(t, s, "ryw", 40)
	d := dbReads(t, s.api2).plus(dbReads(t, s.split.Web)).minus(before)
	t.Logf("reads after writes (second api and web): %v", d)
	if stale != 0 {
		t.Errorf("%d stale reads", stale)
	}
	if d.replica()+d.primary() == 0 {
		t.Error("no routed read was counted")
	}
}

// testReplicaReplayPaused: with the standby's replay paused, every read after
// a write falls back to the primary (counted as lagging) and stays exact;
// once replay resumes the replica serves reads again.
func testReplicaReplayPaused(t *testing.T, s *replicaSystem) {
	s.standby.SQL(t, "postgres", "SELECT pg_wal_replay_pause()")
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			s.standby.SQL(t, "postgres", "SELECT pg_wal_replay_resume()")
		}
	}
	defer resume()
	Eventually(t, 30*time.Second, "replay paused", func() error {
		if st := s.standby.SQL(t, "postgres", "SELECT pg_get_wal_replay_pause_state()"); st != "paused" {
			return fmt.Errorf("pause state %q", st)
		}
		return nil
	})
	before := dbReads(t, s.api2).plus(dbReads(t, s.split.Web)).plus(dbReads(t, s.split.Follower))
	stale := writeThenRead(t, s, "paused", 15)
	d := dbReads(t, s.api2).plus(dbReads(t, s.split.Web)).plus(dbReads(t, s.split.Follower)).minus(before)
	t.Logf("reads while replay was paused: %v", d)
	if stale != 0 {
		t.Errorf("%d stale reads while replay was paused", stale)
	}
	if d.replica() != 0 {
		t.Errorf("the paused replica served %v reads after writes it had not replayed", d.replica())
	}
	if d["primary/lagging"] == 0 {
		t.Error("no read was counted as a lagging fallback to the primary")
	}

	resume()
	Eventually(t, 30*time.Second, "the replica serving reads again", func() error {
		b := dbReads(t, s.api2)
		apiMessages(t, s.api2.URL+"/msgs?no=1")
		if dbReads(t, s.api2).minus(b).replica() == 0 {
			return fmt.Errorf("the read went to the primary")
		}
		return nil
	})
}

// testReplicaApplyDelayed: the standby applies commits 300 ms late
// (recovery_min_apply_delay), longer than a read waits: a read right after
// a write goes to the primary and is exact, and once the standby has applied
// the write the same read is served by it, still exact.
func testReplicaApplyDelayed(t *testing.T, s *replicaSystem) {
	s.standby.SQL(t, "postgres", "ALTER SYSTEM SET recovery_min_apply_delay = '300ms'")
	s.standby.SQL(t, "postgres", "SELECT pg_reload_conf()")
	defer func() {
		s.standby.SQL(t, "postgres", "ALTER SYSTEM RESET recovery_min_apply_delay")
		s.standby.SQL(t, "postgres", "SELECT pg_reload_conf()")
	}()
	api1, api2 := s.split.API.URL, s.api2.URL
	const user = "replica delayed"
	mustSimAPI(t, 204, "POST", api1+"/register", map[string]string{"username": user, "email": "d@x", "pwd": "pw"})
	var fallbacks, replicaReads float64
	for i := range 5 {
		text := fmt.Sprintf("delayed %d", i)
		mustSimAPI(t, 204, "POST", api1+"/msgs/"+url.PathEscape(user), map[string]string{"content": text})
		b := dbReads(t, s.api2)
		if got := apiMessages(t, api2+"/msgs/"+url.PathEscape(user)+"?no=1"); len(got) != 1 || got[0].Content != text {
			t.Fatalf("round %d: the read right after the write got %+v, want %q first", i, got, text)
		}
		fallbacks += dbReads(t, s.api2).minus(b).primary()
		Eventually(t, 30*time.Second, "the standby applying the write", func() error {
			b := dbReads(t, s.api2)
			got := apiMessages(t, api2+"/msgs/"+url.PathEscape(user)+"?no=1")
			if len(got) != 1 || got[0].Content != text {
				t.Fatalf("round %d: a later read got %+v, want %q first", i, got, text)
			}
			if dbReads(t, s.api2).minus(b).replica() == 0 {
				return fmt.Errorf("still served by the primary")
			}
			replicaReads++
			return nil
		})
	}
	t.Logf("reads right after a write served by the primary: %v of 5; later reads served by the replica: %v", fallbacks, replicaReads)
	if fallbacks == 0 {
		t.Error("no read right after a write fell back to the primary, though the standby applies commits 300 ms late")
	}
}

// testReplicaSimulatorReplay: the one-process binary with a read replica
// passes a generated simulator scenario with zero errors, and the replica
// serves some of its reads.
func testReplicaSimulatorReplay(t *testing.T, s *replicaSystem) {
	waitCaughtUp(t, s)
	s.primary.CreateDB(t, "replay")
	mt := StartService(t, "minitwit", ServiceOpts{DatabaseURL: s.primary.URL("replay"),
		Env: []string{"DATABASE_READ_URL=" + s.standby.URL("replay")}})
	t.Log(Replay(t, mt.URL+"/api", Scenario(t, 200, 3000, 47), "-fresh"))
	d := dbReads(t, mt)
	t.Logf("replay reads: %v", d)
	if d.replica() == 0 {
		t.Error("the replica served none of the replay's reads")
	}
}

// writeThenRead runs rounds of writes, each followed at once by reads
// through another process that must show it; it returns how many reads
// were stale (each is reported).
func writeThenRead(t *testing.T, s *replicaSystem, tag string, rounds int) int {
	t.Helper()
	api1, api2, web := s.split.API.URL, s.api2.URL, s.split.Web.URL
	stale := 0
	check := func(ok bool, format string, args ...any) {
		t.Helper()
		if !ok {
			stale++
			t.Errorf("stale: "+format, args...)
		}
	}
	prev := ""
	for i := range rounds {
		// API: sign-up, post, follow, unfollow on api1, read on api2.
		user := fmt.Sprintf("%s api %d %d", tag, i, time.Now().UnixNano())
		esc := url.PathEscape(user)
		mustSimAPI(t, 204, "POST", api1+"/register", map[string]string{"username": user, "email": "u@x", "pwd": "pw"})
		code, body := apiGet(t, api2+"/fllws/"+esc)
		check(code == 200 && string(bytes.TrimSpace(body)) == `{"follows":[]}`, "round %d: GET /fllws of a new user: %d %s", i, code, body)
		text := fmt.Sprintf("%s message %d", tag, i)
		mustSimAPI(t, 204, "POST", api1+"/msgs/"+esc, map[string]string{"content": text})
		got := apiMessages(t, api2+"/msgs/"+esc+"?no=1")
		check(len(got) == 1 && got[0].Content == text, "round %d: GET /msgs/<user> = %+v, want %q", i, got, text)
		got = apiMessages(t, api2+"/msgs?no=1")
		check(len(got) == 1 && got[0].Content == text && got[0].User == user, "round %d: GET /msgs = %+v, want %q by %q", i, got, text, user)
		if prev != "" {
			mustSimAPI(t, 204, "POST", api1+"/fllws/"+esc, map[string]string{"follow": prev})
			f := apiFollows(t, api2+"/fllws/"+esc)
			check(cmp.Diff([]string{prev}, f) == "", "round %d: after follow, GET /fllws = %q, want [%q]", i, f, prev)
			mustSimAPI(t, 204, "POST", api1+"/fllws/"+esc, map[string]string{"unfollow": prev})
			f = apiFollows(t, api2+"/fllws/"+esc)
			check(len(f) == 0, "round %d: after unfollow, GET /fllws = %q, want []", i, f)
		}

		// Web: sign up, sign in, post, then the home, public and own pages;
		// follow the API user and see their message on the home timeline.
		wuser := fmt.Sprintf("%s web %d %d", tag, i, time.Now().UnixNano())
		br := newReplicaBrowser(t, web)
		br.post(t, "/register", url.Values{"username": {wuser}, "email": {"w@x"}, "password": {"pw-web-12"}, "password2": {"pw-web-12"}}, "/login")
		br.signIn(t, wuser, "pw-web-12")
		wtext := fmt.Sprintf("%s web message %d", tag, i)
		br.post(t, "/add_message", url.Values{"text": {wtext}}, "/")
		for _, page := range []string{"/", "/public", "/" + url.PathEscape(wuser)} {
			check(strings.Contains(br.page(t, page), wtext), "round %d: web %s lacks the message just posted", i, page)
		}
		got = apiMessages(t, api2+"/msgs/"+url.PathEscape(wuser)+"?no=1")
		check(len(got) == 1 && got[0].Content == wtext, "round %d: GET /msgs/<web user> = %+v, want %q", i, got, wtext)
		br.get(t, "/"+esc+"/follow", http.StatusFound)
		check(strings.Contains(br.page(t, "/"), text), "round %d: the home timeline lacks the message of the user just followed", i)
		f := apiFollows(t, api2+"/fllws/"+url.PathEscape(wuser))
		check(cmp.Diff([]string{user}, f) == "", "round %d: GET /fllws/<web user> = %q, want [%q]", i, f, user)
		prev = user
	}
	return stale
}

// waitCaughtUp waits until the standby has replayed everything the primary
// has flushed, so a check that counts replica reads starts from quiet.
func waitCaughtUp(t *testing.T, s *replicaSystem) {
	t.Helper()
	Eventually(t, 30*time.Second, "the standby caught up", func() error {
		target := s.primary.SQL(t, "postgres", "SELECT pg_current_wal_flush_lsn()")
		if ok := s.standby.SQL(t, "postgres", fmt.Sprintf("SELECT pg_last_wal_replay_lsn() >= '%s'", target)); ok != "t" {
			return fmt.Errorf("replay behind %s", target)
		}
		return nil
	})
}

// readStatements is how many timeline and list statements the server has
// run (pg_stat_statements): selects of messages, and selects of follows in
// name order (the follow list; a follow check has no order). The check
// statements' own entries are left out.
func readStatements(t *testing.T, pg *Postgres) int64 {
	t.Helper()
	out := pg.SQL(t, "minitwit", `SELECT coalesce(sum(calls), 0) FROM pg_stat_statements
		WHERE query ~* '^\s*(select|with)' AND query !~* 'pg_stat_statements'
		  AND (query ~* '\mmessages\M' OR (query ~* '\mfollows\M' AND query ~* 'order\s+by'))`)
	n, err := strconv.ParseInt(out, 10, 64)
	if err != nil {
		t.Fatalf("pg_stat_statements: %q", out)
	}
	return n
}

// replayChecks is how many replay position checks the store has run on
// the standby.
func replayChecks(t *testing.T, pg *Postgres) int64 {
	t.Helper()
	out := pg.SQL(t, "minitwit", `SELECT coalesce(sum(calls), 0) FROM pg_stat_statements
		WHERE query ~ 'pg_last_wal_replay_lsn\(\) -' AND query !~* 'pg_stat_statements'`)
	n, err := strconv.ParseInt(out, 10, 64)
	if err != nil {
		t.Fatalf("pg_stat_statements: %q", out)
	}
	return n
}

// readCounts is minitwit_db_reads_total by "served_by/reason".
type readCounts map[string]float64

func (c readCounts) minus(o readCounts) readCounts {
	d := readCounts{}
	for k, v := range c {
		if v-o[k] != 0 {
			d[k] = v - o[k]
		}
	}
	return d
}

func (c readCounts) plus(o readCounts) readCounts {
	d := readCounts{}
	for k, v := range c {
		d[k] += v
	}
	for k, v := range o {
		d[k] += v
	}
	return d
}

func (c readCounts) sum(servedBy string) float64 {
	n := 0.0
	for k, v := range c {
		if strings.HasPrefix(k, servedBy+"/") {
			n += v
		}
	}
	return n
}

func (c readCounts) replica() float64 { return c.sum("replica") }
func (c readCounts) primary() float64 { return c.sum("primary") }

// dbReads scrapes a service's minitwit_db_reads_total.
func dbReads(t *testing.T, s *Service) readCounts {
	t.Helper()
	resp, err := http.Get(s.MetricsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	c := readCounts{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "minitwit_db_reads_total{")
		if !ok {
			continue
		}
		labels, value, ok := strings.Cut(line, "} ")
		if !ok {
			t.Fatalf("metric line %q", sc.Text())
		}
		l := map[string]string{}
		for _, kv := range strings.Split(labels, ",") {
			k, v, _ := strings.Cut(kv, "=")
			l[k] = strings.Trim(v, `"`)
		}
		n, err := strconv.ParseFloat(value, 64)
		if err != nil {
			t.Fatalf("metric line %q: %v", sc.Text(), err)
		}
		c[l["served_by"]+"/"+l["reason"]] += n
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return c
}

// apiGet sends an authorised simulator GET and returns status and body.
func apiGet(t *testing.T, u string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", loadAuth)
	resp, err := simClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

type apiMessage struct {
	Content string `json:"content"`
	User    string `json:"user"`
}

func apiMessages(t *testing.T, u string) []apiMessage {
	t.Helper()
	code, b := apiGet(t, u)
	var ms []apiMessage
	if code != 200 || json.Unmarshal(b, &ms) != nil {
		t.Fatalf("GET %s: %d %s", u, code, b)
	}
	return ms
}

func apiFollows(t *testing.T, u string) []string {
	t.Helper()
	code, b := apiGet(t, u)
	var f struct{ Follows []string }
	if code != 200 || json.Unmarshal(b, &f) != nil {
		t.Fatalf("GET %s: %d %s", u, code, b)
	}
	return f.Follows
}

// replicaBrowser is a cookie-keeping web client that does not follow
// redirects.
type replicaBrowser struct {
	base string
	c    *http.Client
}

func newReplicaBrowser(t *testing.T, base string) *replicaBrowser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &replicaBrowser{base: base, c: &http.Client{
		Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (b *replicaBrowser) do(t *testing.T, req *http.Request, want int, wantLocation string) string {
	t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want || (wantLocation != "" && resp.Header.Get("Location") != wantLocation) {
		t.Fatalf("%s %s: %d to %q, want %d to %q", req.Method, req.URL.Path, resp.StatusCode, resp.Header.Get("Location"), want, wantLocation)
	}
	return string(body)
}

func (b *replicaBrowser) get(t *testing.T, path string, want int) string {
	t.Helper()
	req, err := http.NewRequest("GET", b.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b.do(t, req, want, "")
}

// page is a 200 page.
func (b *replicaBrowser) page(t *testing.T, path string) string {
	t.Helper()
	return b.get(t, path, http.StatusOK)
}

// post submits a form that must redirect to location.
func (b *replicaBrowser) post(t *testing.T, path string, form url.Values, location string) {
	t.Helper()
	req, err := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	b.do(t, req, http.StatusFound, location)
}

func (b *replicaBrowser) signIn(t *testing.T, user, password string) {
	t.Helper()
	b.post(t, "/login", url.Values{"username": {user}, "password": {password}}, "/")
}

// rpStackService is what the StackFile check reads of a rendered service
// besides gwStackService.
type rpStackService struct {
	Image       string            `yaml:"image"`
	User        string            `yaml:"user"`
	ReadOnly    bool              `yaml:"read_only"`
	CapDrop     []string          `yaml:"cap_drop"`
	Entrypoint  []string          `yaml:"entrypoint"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Configs     []struct {
		Source string `yaml:"source"`
		Target string `yaml:"target"`
	} `yaml:"configs"`
	Secrets []struct {
		Source string `yaml:"source"`
	} `yaml:"secrets"`
	Volumes []struct {
		Type   string `yaml:"type"`
		Source string `yaml:"source"`
		Target string `yaml:"target"`
	} `yaml:"volumes"`
	Networks map[string]any `yaml:"networks"`
	Deploy   struct {
		Mode string `yaml:"mode"`
	} `yaml:"deploy"`
}

type rpStack struct {
	Services map[string]rpStackService `yaml:"services"`
	Configs  map[string]struct {
		File string `yaml:"file"`
	} `yaml:"configs"`
	Secrets map[string]struct {
		External bool   `yaml:"external"`
		Name     string `yaml:"name"`
	} `yaml:"secrets"`
}

// testReplicaStackFile: stack/replica.yml merged over stack/minitwit.yml
// (as deploy.sh merges STACK_EXTRA_FILES) adds a hardened standby and its
// role job, points the services' reads at it and keeps the primary's
// command; minitwit.yml alone has no read URL.
func testReplicaStackFile(t *testing.T) {
	tag := []string{"TAG=t-123"}
	alone, out, err := gwStackConfig(t, tag, "stack/minitwit.yml")
	if err != nil {
		t.Fatalf("docker stack config -c stack/minitwit.yml: %v\n%s", err, out)
	}
	for name, s := range alone.Services {
		if _, ok := s.Environment["DATABASE_READ_URL"]; ok {
			t.Errorf("stack/minitwit.yml alone sets DATABASE_READ_URL on %s", name)
		}
	}
	merged, out, err := gwStackConfig(t, tag, "stack/minitwit.yml", "stack/replica.yml")
	if err != nil {
		t.Fatalf("docker stack config -c stack/minitwit.yml -c stack/replica.yml: %v\n%s", err, out)
	}
	var st rpStack
	if err := yaml.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	if _, out, err := gwStackConfig(t, tag, "stack/minitwit.yml", "stack/monitoring.yml", "stack/backup.yml", "stack/replica.yml"); err != nil {
		t.Errorf("the replica file does not merge with every stack file deploy.sh passes: %v\n%s", err, out)
	}

	for _, name := range []string{"web", "api", "follower"} {
		if got := merged.Services[name].Environment["DATABASE_READ_URL"]; got != "postgres://minitwit@db-replica:5432/minitwit?sslmode=verify-full&sslrootcert=/run/secrets/db_ca.crt" {
			t.Errorf("%s: DATABASE_READ_URL %q, want the db-replica service", name, got)
		}
		if d := cmp.Diff(alone.Services[name].Environment["DATABASE_URL"], merged.Services[name].Environment["DATABASE_URL"]); d != "" {
			t.Errorf("%s: the merge changed DATABASE_URL:\n%s", name, d)
		}
	}
	pgAlone, pg := alone.Services["postgres"], st.Services["postgres"]
	if len(pg.Command) < len(pgAlone.Command) || cmp.Diff(pgAlone.Command, pg.Command[:len(pgAlone.Command)]) != "" {
		t.Errorf("postgres command %q does not start with minitwit.yml's %q", pg.Command, pgAlone.Command)
	}
	if !slices.Contains(pg.Command, "hba_file=/etc/minitwit/pg_hba.conf") || len(pg.Configs) != 1 || pg.Configs[0].Target != "/etc/minitwit/pg_hba.conf" {
		t.Errorf("postgres: command %q, configs %+v: want the replication pg_hba.conf mounted and used", pg.Command, pg.Configs)
	}

	for _, name := range []string{"db-replica", "db-replica-init"} {
		s, ok := st.Services[name]
		if !ok {
			t.Errorf("no %s service", name)
			continue
		}
		g := merged.Services[name]
		if s.Image != pgAlone.Image {
			t.Errorf("%s: image %q, want the primary's %q", name, s.Image, pgAlone.Image)
		}
		if !s.ReadOnly || cmp.Diff([]string{"ALL"}, s.CapDrop) != "" || s.User != "999:999" {
			t.Errorf("%s: read_only %v, cap_drop %q, user %q: want hardened as the primary", name, s.ReadOnly, s.CapDrop, s.User)
		}
		if cmp.Diff([]string{"backend"}, g.networkNames()) != "" {
			t.Errorf("%s: networks %q, want backend only", name, g.networkNames())
		}
		if g.Logging.Driver != "json-file" || g.Logging.Options["max-size"] == "" || g.Deploy.Resources.Limits.Memory == "" || g.Deploy.RestartPolicy.Condition == "" {
			t.Errorf("%s: want json-file logs with rotation, a memory limit and a restart policy", name)
		}
		if !slices.ContainsFunc(s.Secrets, func(x struct {
			Source string `yaml:"source"`
		}) bool {
			return x.Source == "db_replication_password"
		}) {
			t.Errorf("%s: secrets %+v lack db_replication_password", name, s.Secrets)
		}
		// db-replica also mounts the primary's pg_hba.conf (config db_hba).
		if len(s.Entrypoint) != 2 || len(s.Configs) < 1 || s.Entrypoint[1] != s.Configs[0].Target {
			t.Errorf("%s: entrypoint %q, configs %+v: want its script from a config", name, s.Entrypoint, s.Configs)
		}
	}
	if r := merged.Services["db-replica"]; !slices.Contains(r.Deploy.Placement.Constraints, "node.labels.minitwit.db-replica == true") {
		t.Errorf("db-replica: placement %q, want the minitwit.db-replica node label", r.Deploy.Placement.Constraints)
	}
	if r := st.Services["db-replica"]; !slices.ContainsFunc(r.Volumes, func(v struct {
		Type   string `yaml:"type"`
		Source string `yaml:"source"`
		Target string `yaml:"target"`
	}) bool {
		return v.Type == "volume" && v.Source == "pgreplica" && v.Target == r.Environment["PGDATA"]
	}) {
		t.Errorf("db-replica: volumes %+v, want pgreplica at PGDATA %q", r.Volumes, r.Environment["PGDATA"])
	}
	if m := st.Services["db-replica-init"].Deploy.Mode; m != "replicated-job" {
		t.Errorf("db-replica-init: mode %q, want replicated-job", m)
	}
	for name, c := range st.Configs {
		if _, err := os.Stat(c.File); err != nil {
			t.Errorf("config %s: %v", name, err)
		}
	}
	if s := st.Secrets["db_replication_password"]; !s.External || s.Name != "minitwit_db_replication_password" {
		t.Errorf("secret db_replication_password %+v, want external minitwit_db_replication_password", s)
	}
}

// testReplicaStandbyScripts runs the stack's two replica scripts against
// the test primary: the role job creates the replication role (twice, it is
// idempotent) with a password the primary then requires, and the standby
// entry point copies the primary with it, starts streaming, keeps the
// password out of the data directory, and on a restart reuses its copy.
func testReplicaStandbyScripts(t *testing.T, s *replicaSystem) {
	dir, err := os.MkdirTemp("", "minitwit-e2e-standby-script.")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	chownToPostgres(t, dir)
	const password = `re:pl\ica pw`
	pwFile := filepath.Join(dir, "replication_password")
	if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dbPwFile := filepath.Join(dir, "db_password")
	if err := os.WriteFile(dbPwFile, []byte("unused with trust\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	roleEnv := []string{"PGHOST=127.0.0.1", "PGPORT=" + strconv.Itoa(s.primary.Port), "PGUSER=postgres",
		"PGDATABASE=minitwit", "DB_PASSWORD_FILE=" + dbPwFile, "REPLICATION_PASSWORD_FILE=" + pwFile}
	for range 2 {
		RunCmd(t, roleEnv, "sh", repoPath("stack/replica/replication-role.sh"))
	}
	if got := s.primary.SQL(t, "postgres", "SELECT rolreplication AND rolcanlogin FROM pg_roles WHERE rolname = 'replicator'"); got != "t" {
		t.Fatalf("replicator role: %q, want a replication login role", got)
	}
	// The test cluster trusts every local connection; make the primary ask
	// the replication role for its password, as the stack's pg_hba.conf does.
	hba := filepath.Join(s.primary.Dir, "data", "pg_hba.conf")
	old, err := os.ReadFile(hba)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(hba, append([]byte("host replication replicator 127.0.0.1/32 scram-sha-256\n"), old...), 0o600); err != nil {
		t.Fatal(err)
	}
	s.primary.SQL(t, "postgres", "SELECT pg_reload_conf()")
	if out, err := TryCmd([]string{"PGPASSWORD=wrong"}, filepath.Join(pgBin, "pg_basebackup"), "-w", "-X", "none",
		"-D", filepath.Join(t.TempDir(), "copy"), "-d", fmt.Sprintf("host=127.0.0.1 port=%d user=replicator", s.primary.Port)); err == nil {
		t.Fatalf("the primary let the replication role in with a wrong password:\n%s", out)
	}

	port := FreePort(t)
	data := filepath.Join(dir, "data")
	env := []string{"PATH=" + pgBin + ":" + os.Getenv("PATH"), "PGDATA=" + data,
		"PRIMARY_HOST=127.0.0.1", "PRIMARY_PORT=" + strconv.Itoa(s.primary.Port),
		"REPLICATION_PASSWORD_FILE=" + pwFile, "REPLICATION_PASSFILE=" + filepath.Join(dir, "pgpass"),
		"REPLICATION_RETRY_SECONDS=1"}
	sb := &Postgres{Dir: dir, Port: port}
	start := func(n int) {
		t.Helper()
		sb.proc = StartProc(t, fmt.Sprintf("standby-script-%d-%d", port, n), ProcOpts{LogDir: dir, Cred: postgresCred(t), Env: env},
			"sh", repoPath("stack/replica/standby-entrypoint.sh"),
			filepath.Join(pgBin, "postgres"), "-p", strconv.Itoa(port), "-k", dir,
			"-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c", "hot_standby=on")
		Eventually(t, 120*time.Second, "the scripted standby streaming", func() error {
			if sb.proc.Exited() {
				t.Fatalf("the standby entry point exited:\n%s", sb.proc.Log())
			}
			out, err := TryCmd(nil, "psql", "-X", "-qAt", sb.URL("postgres"), "-c", "SELECT pg_is_in_recovery()")
			if err != nil || strings.TrimSpace(out) != "t" {
				return fmt.Errorf("not in recovery yet: %v %s", err, out)
			}
			if n := s.primary.SQL(t, "postgres", "SELECT count(*) FROM pg_stat_replication WHERE usename = 'replicator' AND state = 'streaming'"); n != "1" {
				return fmt.Errorf("%s streaming connections of replicator", n)
			}
			return nil
		})
	}
	start(1)
	auto, err := os.ReadFile(filepath.Join(data, "postgresql.auto.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(auto), "pl\\") || strings.Contains(string(auto), "password=") || !strings.Contains(string(auto), "passfile=") {
		t.Errorf("postgresql.auto.conf should name the password file and hold no password:\n%s", auto)
	}
	if fi, err := os.Stat(data); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("data directory mode %v (%v), want 0700", fi.Mode().Perm(), err)
	}
	mark := fmt.Sprintf("scripted standby %d", time.Now().UnixNano())
	s.primary.SQL(t, "minitwit", fmt.Sprintf("CREATE TABLE IF NOT EXISTS replica_probe (v text); INSERT INTO replica_probe VALUES ('%s')", mark))
	Eventually(t, 30*time.Second, "the row replicated", func() error {
		if sb.SQL(t, "minitwit", fmt.Sprintf("SELECT count(*) FROM replica_probe WHERE v = '%s'", mark)) != "1" {
			return fmt.Errorf("not yet")
		}
		return nil
	})

	// A restart keeps the copy: no second pg_basebackup, streaming again.
	if err := sb.Stop(); err != nil {
		t.Fatalf("stopping the standby: %v", err)
	}
	start(2)
	if n := strings.Count(readAll(t, filepath.Join(dir, fmt.Sprintf("standby-script-%d-2.log", port))), "copying the primary"); n != 0 {
		t.Errorf("the restarted standby copied the primary again")
	}
	if err := sb.Stop(); err != nil {
		t.Errorf("stopping the standby: %v", err)
	}
}

func readAll(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
