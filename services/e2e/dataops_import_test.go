package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// verifyLine is one table's line of the import's verification:
// "  users     rows      5000 / 5000      sha256 e9fe… / e9fe…  OK".
var verifyLine = regexp.MustCompile(`(?m)^\s+(\w+)\s+rows\s+(\d+) / (\d+)\s+sha256 (\w+) / (\w+)\s+(\S+)$`)

// importOK is the import's last line: "import OK: 229981 rows in 5.7s (40023 rows/s)".
var importOK = regexp.MustCompile(`(?m)^import OK: (\d+) rows in \S+ \((\d+) rows/s\)$`)

// tableCheck is a verification line, read.
type tableCheck struct {
	Legacy, Target int64
	SumsEqual      bool
	Verdict        string
}

func parseVerification(out string) map[string]tableCheck {
	checks := map[string]tableCheck{}
	for _, m := range verifyLine.FindAllStringSubmatch(out, -1) {
		legacy, _ := strconv.ParseInt(m[2], 10, 64)
		target, _ := strconv.ParseInt(m[3], 10, 64)
		checks[m[1]] = tableCheck{Legacy: legacy, Target: target, SumsEqual: m[4] == m[5], Verdict: m[6]}
	}
	return checks
}

func (d *dataOps) testImport(t *testing.T) {
	messages := envCount(t, "IMPORT_MESSAGES", 200000)
	users := envCount(t, "IMPORT_USERS", 5000)
	admin := bin("minitwit-admin")
	legacy := filepath.Join(t.TempDir(), "legacy.db")
	RunCmd(t, nil, admin, "gen-legacy", "-out", legacy, "-users", strconv.Itoa(users),
		"-messages", strconv.Itoa(messages), "-seed", "5", "-real-cost")
	dbEnv := []string{"DATABASE_URL=" + d.srcURL()}

	started := time.Now()
	out, err := TryCmd(dbEnv, admin, "import", "-legacy", legacy)
	elapsed := time.Since(started)
	if err != nil {
		t.Fatalf("import into PostgreSQL: %v\n%s", err, out)
	}
	t.Logf("minitwit-admin import:\n%s", out)
	m := importOK.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the import did not report OK")
	}
	t.Logf("MEASURE import of %d messages (%d users) into PostgreSQL: %.3f s wall clock; %s rows at %s rows/s",
		messages, users, elapsed.Seconds(), m[1], m[2])

	t.Run("Verified", func(t *testing.T) {
		checks := parseVerification(out)
		if len(checks) != 3 {
			t.Fatalf("want verification lines for users, follows and messages, got %v", checks)
		}
		for name, c := range checks {
			if c.Verdict != "OK" || c.Legacy != c.Target || !c.SumsEqual {
				t.Errorf("%s: verification %+v, want equal rows and checksums, OK", name, c)
			}
		}
		// The target's own counts, asked independently of the tool.
		got := map[string]int64{
			"users":    pgInt(t, d.src, "minitwit", "SELECT count(*) FROM users"),
			"messages": pgInt(t, d.src, "minitwit", "SELECT count(*) FROM messages"),
			"follows":  pgInt(t, d.src, "minitwit", "SELECT count(*) FROM follows"),
		}
		want := map[string]int64{"users": int64(users), "messages": int64(messages), "follows": checks["follows"].Legacy}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("rows in PostgreSQL after the import (-want +got):\n%s", diff)
		}
		if total := fmt.Sprint(got["users"] + got["messages"] + got["follows"]); total != m[1] {
			t.Errorf("the import reported %s rows, the tables hold %s", m[1], total)
		}
	})

	t.Run("RerunAddsNothing", func(t *testing.T) {
		before := dbContents(t, d.src, "minitwit")
		out := RunCmd(t, dbEnv, admin, "import", "-legacy", legacy)
		if m := importOK.FindStringSubmatch(out); m == nil || m[1] != "0" {
			t.Fatalf("a re-run must import 0 rows and verify:\n%s", out)
		}
		for name, c := range parseVerification(out) {
			if c.Verdict != "OK" {
				t.Errorf("%s: re-run verification %+v, want OK", name, c)
			}
		}
		if diff := cmp.Diff(before, dbContents(t, d.src, "minitwit")); diff != "" {
			t.Errorf("the re-run changed the database (-before +after):\n%s", diff)
		}
	})

	t.Run("LegacySignIn", func(t *testing.T) {
		svc := StartService(t, "minitwit", ServiceOpts{DatabaseURL: d.srcURL()})
		// Werkzeug 3's defaults, which gen-legacy -real-cost gives users 1 and 2.
		for id, scheme := range map[int]string{1: "scrypt:32768:8:1", 2: "pbkdf2:sha256:600000"} {
			t.Run(strings.SplitN(scheme, ":", 2)[0], func(t *testing.T) {
				d.legacySignIn(t, svc.URL, id, scheme)
			})
		}
		if err := svc.Stop(syscall.SIGTERM, 30*time.Second); err != nil {
			t.Errorf("minitwit did not exit cleanly on SIGTERM: %v", err)
		}
	})
}

// noRedirect keeps a response's redirect for the test to read.
var noRedirect = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// webLogin posts the web's sign-in form and returns the status and Location.
func webLogin(t *testing.T, base, user, password string) (int, string) {
	t.Helper()
	resp, err := noRedirect.PostForm(base+"/login", url.Values{"username": {user}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

// legacySignIn signs legacy user id in on the web with its generated
// password: the legacy hash (scheme) must be accepted and replaced by bcrypt,
// which must then accept the same password; a wrong password changes nothing.
func (d *dataOps) legacySignIn(t *testing.T, base string, id int, scheme string) {
	hash := func() string {
		return d.src.SQL(t, "minitwit", fmt.Sprintf("SELECT pw_hash FROM users WHERE id = %d", id))
	}
	user := d.src.SQL(t, "minitwit", fmt.Sprintf("SELECT username FROM users WHERE id = %d", id))
	before := hash()
	if got := strings.SplitN(before, "$", 2)[0]; got != scheme {
		t.Fatalf("user %d has a %q hash, want %q", id, got, scheme)
	}
	password := fmt.Sprintf(`pw"%d\[ü]`, id)

	if code, loc := webLogin(t, base, user, password+"x"); code == http.StatusFound && loc == "/" {
		t.Fatalf("a wrong password signed user %d in", id)
	}
	if after := hash(); after != before {
		t.Fatalf("a failed sign-in changed the hash of user %d to %q", id, after)
	}
	if code, loc := webLogin(t, base, user, password); code != http.StatusFound || loc != "/" {
		t.Fatalf("legacy user %d (%s) could not sign in: status %d, Location %q, want 302 to /", id, scheme, code, loc)
	}
	after := hash()
	if !strings.HasPrefix(after, "$2") {
		t.Fatalf("the legacy hash of user %d was not replaced by bcrypt after sign-in: %q", id, after)
	}
	if code, loc := webLogin(t, base, user, password); code != http.StatusFound || loc != "/" {
		t.Fatalf("user %d cannot sign in with the replaced hash: status %d, Location %q", id, code, loc)
	}
	if again := hash(); again != after {
		t.Errorf("the bcrypt hash of user %d changed at the second sign-in", id)
	}
}
