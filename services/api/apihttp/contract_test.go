package apihttp_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sirupsen/logrus"

	"minitwit/api/apihttp"
	"minitwit/shared/httpserver"
	"minitwit/shared/metrics"
	"minitwit/shared/password"
	"minitwit/shared/storetest"
)

const simAuth = "Basic c2ltdWxhdG9yOnN1cGVyX3NhZmUh"

func newServer(t testing.TB, db storetest.DB) *httptest.Server {
	log := logrus.New()
	log.SetOutput(io.Discard)
	m := metrics.New("test", "test")
	st := db.Store
	h := &apihttp.Handler{
		Users: st, Messages: st, Follows: st, Latest: st,
		Hasher:        password.Hasher{Cost: 4},
		SimulatorUser: "simulator", SimulatorPassword: "super_safe!",
		Log: logrus.NewEntry(log), Metrics: m,
	}
	r := httpserver.NewEngine("api", logrus.NewEntry(log), m, h.InternalError)
	h.Mount(r)
	r.NoRoute(h.NotFound)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

// step is one request of the contract table and what must come back.
// wantBody, when set, is compared as JSON; wantCT is checked on every
// answer that has a body.
type step struct {
	name     string
	method   string
	path     string
	auth     string
	body     string
	want     int
	wantBody string
	latest   *int64 // GET /latest afterwards must give this
}

func ptr(n int64) *int64 { return &n }

const notAuth = `{"status": 403, "error_msg": "You are not authorized to use this resource!"}`

var contract = []step{
	{name: "latest before anything", method: "GET", path: "/latest", want: 200, wantBody: `{"latest": -1}`},
	{name: "register", method: "POST", path: "/register?latest=1", body: `{"username":"Roger Histand","email":"roger@example.com","pwd":"a\"b\\c[d]'{}"}`, want: 204, latest: ptr(1)},
	{name: "register without auth header is fine", method: "POST", path: "/register?latest=2", body: `{"username":"Zoë Ångström","email":"zoe@example.com","pwd":"pw"}`, want: 204, latest: ptr(2)},
	{name: "register slash name", method: "POST", path: "/register", body: `{"username":"a/b%c","email":"ab@example.com","pwd":"pw"}`, want: 204, latest: ptr(2)},
	{name: "register taken", method: "POST", path: "/register?latest=3", body: `{"username":"Roger Histand","email":"x@example.com","pwd":"pw"}`, want: 400, wantBody: `{"status":400,"error_msg":"The username is already taken"}`, latest: ptr(3)},
	{name: "register no username", method: "POST", path: "/register", body: `{"email":"x@example.com","pwd":"pw"}`, want: 400, wantBody: `{"status":400,"error_msg":"You have to enter a username"}`},
	{name: "register empty username first", method: "POST", path: "/register", body: `{"username":"","email":"bad","pwd":""}`, want: 400, wantBody: `{"status":400,"error_msg":"You have to enter a username"}`},
	{name: "register email without @", method: "POST", path: "/register", body: `{"username":"n","email":"bad","pwd":""}`, want: 400, wantBody: `{"status":400,"error_msg":"You have to enter a valid email address"}`},
	{name: "register missing email", method: "POST", path: "/register", body: `{"username":"n","pwd":"x"}`, want: 400, wantBody: `{"status":400,"error_msg":"You have to enter a valid email address"}`},
	{name: "register no password", method: "POST", path: "/register", body: `{"username":"n","email":"n@x"}`, want: 400, wantBody: `{"status":400,"error_msg":"You have to enter a password"}`},
	{name: "register taken checked last", method: "POST", path: "/register", body: `{"username":"Roger Histand","email":"n@x","pwd":""}`, want: 400, wantBody: `{"status":400,"error_msg":"You have to enter a password"}`},
	// Input the database would refuse (PostgreSQL: NUL, invalid UTF-8,
	// over-long fields) or the rule set forbids answers 400, never 500.
	{name: "register 300-char username", method: "POST", path: "/register", body: `{"username":"` + strings.Repeat("u", 300) + `","email":"long@example.com","pwd":"pw"}`, want: 400, wantBody: `{"status":400,"error_msg":"The username must be at most 64 characters long"}`},
	{name: "register 300-char email", method: "POST", path: "/register", body: `{"username":"longmail","email":"` + strings.Repeat("e", 300) + `@example.com","pwd":"pw"}`, want: 400, wantBody: `{"status":400,"error_msg":"The email address must be at most 254 bytes long"}`},
	{name: "register NUL in username", method: "POST", path: "/register", body: `{"username":"a\u0000b","email":"nul@example.com","pwd":"pw"}`, want: 400, wantBody: `{"status":400,"error_msg":"The username must not contain control or invisible characters"}`},
	{name: "register NUL in email", method: "POST", path: "/register", body: `{"username":"nulmail","email":"a\u0000b@example.com","pwd":"pw"}`, want: 400, wantBody: `{"status":400,"error_msg":"You have to enter a valid email address"}`},
	{name: "register NUL in password", method: "POST", path: "/register", body: `{"username":"nulpw","email":"nulpw@example.com","pwd":"a\u0000b"}`, want: 400, wantBody: `{"status":400,"error_msg":"The password must be valid text without NUL characters"}`},
	{name: "register zero-width space", method: "POST", path: "/register", body: `{"username":"Roger Histand\u200b","email":"z@example.com","pwd":"pw"}`, want: 400},
	{name: "register trailing space", method: "POST", path: "/register", body: `{"username":"Roger Histand ","email":"z@example.com","pwd":"pw"}`, want: 400},
	{name: "register Cyrillic look-alike", method: "POST", path: "/register", body: `{"username":"R\u043eger Histand","email":"z@example.com","pwd":"pw"}`, want: 400},
	{name: "register other case is taken", method: "POST", path: "/register", body: `{"username":"roger histand","email":"z@example.com","pwd":"pw"}`, want: 400, wantBody: `{"status":400,"error_msg":"The username is already taken"}`},
	{name: "register decomposed is taken", method: "POST", path: "/register", body: `{"username":"Zoe\u0308 A\u030angstro\u0308m","email":"z@example.com","pwd":"pw"}`, want: 400, wantBody: `{"status":400,"error_msg":"The username is already taken"}`},
	{name: "register 73-byte password", method: "POST", path: "/register", body: `{"username":"longpw","email":"lp@example.com","pwd":"` + strings.Repeat("p", 73) + `"}`, want: 400, wantBody: `{"status":400,"error_msg":"The password must be at most 72 bytes long"}`},
	{name: "register invalid json", method: "POST", path: "/register?latest=4", body: `{"username":`, want: 400, latest: ptr(4)},
	{name: "register empty body", method: "POST", path: "/register", body: ``, want: 400},

	{name: "msgs without auth", method: "GET", path: "/msgs?latest=99", want: 403, wantBody: notAuth, latest: ptr(4)},
	{name: "msgs wrong auth", method: "GET", path: "/msgs", auth: "Basic c2ltdWxhdG9yOndyb25n", want: 403, wantBody: notAuth},
	{name: "post msg without auth", method: "POST", path: "/msgs/Roger%20Histand", body: `{"content":"x"}`, want: 403, wantBody: notAuth},
	{name: "fllws without auth", method: "GET", path: "/fllws/Roger%20Histand", want: 403, wantBody: notAuth},
	{name: "follow without auth", method: "POST", path: "/fllws/Roger%20Histand", body: `{"follow":"Zoë Ångström"}`, want: 403, wantBody: notAuth},

	{name: "msgs empty", method: "GET", path: "/msgs", auth: simAuth, want: 200, wantBody: `[]`},
	{name: "tweet", method: "POST", path: "/msgs/Roger%20Histand?latest=5", auth: simAuth, body: `{"content":"“Hello” — it’s <b>me</b> & 😀"}`, want: 204, latest: ptr(5)},
	{name: "tweet of 1000 characters", method: "POST", path: "/msgs/Roger%20Histand", auth: simAuth, body: `{"content":"` + strings.Repeat("é", 1000) + `"}`, want: 204},
	{name: "tweet 2", method: "POST", path: "/msgs/Zo%C3%AB%20%C3%85ngstr%C3%B6m", auth: simAuth, body: `{"content":"second"}`, want: 204},
	{name: "tweet by slash name", method: "POST", path: "/msgs/a%2Fb%25c", auth: simAuth, body: `{"content":"slash"}`, want: 204},
	{name: "tweet unknown user", method: "POST", path: "/msgs/ghost?latest=6", auth: simAuth, body: `{"content":"x"}`, want: 404, latest: ptr(6)},
	{name: "tweet empty content", method: "POST", path: "/msgs/Roger%20Histand?latest=7", auth: simAuth, body: `{"content":""}`, want: 400, latest: ptr(7)},
	{name: "tweet missing content", method: "POST", path: "/msgs/Roger%20Histand", auth: simAuth, body: `{}`, want: 400},
	{name: "tweet invalid json", method: "POST", path: "/msgs/Roger%20Histand", auth: simAuth, body: `nope`, want: 400},
	{name: "tweet with NUL", method: "POST", path: "/msgs/Roger%20Histand", auth: simAuth, body: `{"content":"a\u0000b"}`, want: 400, wantBody: `{"status":400,"error_msg":"A message must be valid text without control characters"}`},
	{name: "tweet of 1001 characters", method: "POST", path: "/msgs/Roger%20Histand", auth: simAuth, body: `{"content":"` + strings.Repeat("é", 1001) + `"}`, want: 400, wantBody: `{"status":400,"error_msg":"A message must be at most 1000 characters long"}`},
	{name: "tweet only spaces", method: "POST", path: "/msgs/Roger%20Histand", auth: simAuth, body: `{"content":"  "}`, want: 400},
	{name: "tweet by invalid UTF-8 name", method: "POST", path: "/msgs/a%ffb", auth: simAuth, body: `{"content":"x"}`, want: 404},
	{name: "tweet by NUL name", method: "POST", path: "/msgs/a%00b", auth: simAuth, body: `{"content":"x"}`, want: 404},
	{name: "user msgs invalid UTF-8 name", method: "GET", path: "/msgs/a%ffb", auth: simAuth, want: 404},
	{name: "user msgs NUL name", method: "GET", path: "/msgs/a%00b", auth: simAuth, want: 404},
	{name: "user msgs decomposed name", method: "GET", path: "/msgs/Zoe%CC%88%20A%CC%8Angstro%CC%88m", auth: simAuth, want: 200},
	{name: "user msgs", method: "GET", path: "/msgs/Roger%20Histand", auth: simAuth, want: 200},
	{name: "user msgs slash name", method: "GET", path: "/msgs/a%2Fb%25c?no=1", auth: simAuth, want: 200},
	{name: "user msgs unknown", method: "GET", path: "/msgs/ghost", auth: simAuth, want: 404},
	{name: "msgs no=1", method: "GET", path: "/msgs?no=1", auth: simAuth, want: 200},
	{name: "msgs no=-1", method: "GET", path: "/msgs?no=-1&latest=8", auth: simAuth, want: 400, latest: ptr(8)},
	{name: "msgs no=abc", method: "GET", path: "/msgs?no=abc&latest=abc", auth: simAuth, want: 200, latest: ptr(8)},
	{name: "msgs no huge", method: "GET", path: "/msgs?no=99999999", auth: simAuth, want: 200},

	{name: "follow", method: "POST", path: "/fllws/Roger%20Histand?latest=9", auth: simAuth, body: `{"follow":"Zoë Ångström"}`, want: 204, latest: ptr(9)},
	{name: "follow again", method: "POST", path: "/fllws/Roger%20Histand", auth: simAuth, body: `{"follow":"Zoë Ångström"}`, want: 204},
	{name: "follow slash", method: "POST", path: "/fllws/Roger%20Histand", auth: simAuth, body: `{"follow":"a/b%c"}`, want: 204},
	{name: "follow self", method: "POST", path: "/fllws/Roger%20Histand", auth: simAuth, body: `{"follow":"Roger Histand"}`, want: 400},
	{name: "follow unknown other", method: "POST", path: "/fllws/Roger%20Histand", auth: simAuth, body: `{"follow":"ghost"}`, want: 404},
	{name: "follow unknown user", method: "POST", path: "/fllws/ghost?latest=10", auth: simAuth, body: `{"follow":"Roger Histand"}`, want: 404, latest: ptr(10)},
	{name: "follow neither key", method: "POST", path: "/fllws/Roger%20Histand", auth: simAuth, body: `{}`, want: 400},
	{name: "follow bad json", method: "POST", path: "/fllws/Roger%20Histand", auth: simAuth, body: `[1,2]`, want: 400},
	{name: "follows list", method: "GET", path: "/fllws/Roger%20Histand", auth: simAuth, want: 200, wantBody: `{"follows":["Zoë Ångström","a/b%c"]}`},
	{name: "follows list no=1", method: "GET", path: "/fllws/Roger%20Histand?no=1", auth: simAuth, want: 200, wantBody: `{"follows":["Zoë Ångström"]}`},
	{name: "follows empty list", method: "GET", path: "/fllws/Zo%C3%AB%20%C3%85ngstr%C3%B6m", auth: simAuth, want: 200, wantBody: `{"follows":[]}`},
	{name: "follows invalid UTF-8 name", method: "GET", path: "/fllws/a%ffb", auth: simAuth, want: 404},
	{name: "follows NUL name", method: "GET", path: "/fllws/a%00b", auth: simAuth, want: 404},
	{name: "follow NUL other", method: "POST", path: "/fllws/Roger%20Histand", auth: simAuth, body: `{"follow":"a\u0000b"}`, want: 404},
	{name: "unfollow NUL other", method: "POST", path: "/fllws/Roger%20Histand", auth: simAuth, body: `{"unfollow":"a\u0000b"}`, want: 404},
	{name: "follow by invalid UTF-8 name", method: "POST", path: "/fllws/a%ffb", auth: simAuth, body: `{"follow":"Roger Histand"}`, want: 404},
	{name: "follow 300-char other", method: "POST", path: "/fllws/Roger%20Histand", auth: simAuth, body: `{"follow":"` + strings.Repeat("x", 300) + `"}`, want: 404},
	{name: "follows unknown", method: "GET", path: "/fllws/ghost", auth: simAuth, want: 404},
	{name: "unfollow", method: "POST", path: "/fllws/Roger%20Histand?latest=11", auth: simAuth, body: `{"unfollow":"Zoë Ångström"}`, want: 204, latest: ptr(11)},
	{name: "unfollow not followed", method: "POST", path: "/fllws/Roger%20Histand", auth: simAuth, body: `{"unfollow":"Zoë Ångström"}`, want: 204},
	{name: "unfollow unknown other", method: "POST", path: "/fllws/Roger%20Histand", auth: simAuth, body: `{"unfollow":"ghost"}`, want: 404},
	{name: "unfollow unknown user", method: "POST", path: "/fllws/ghost", auth: simAuth, body: `{"unfollow":"Roger Histand"}`, want: 404},
	{name: "follows after unfollow", method: "GET", path: "/fllws/Roger%20Histand", auth: simAuth, want: 200, wantBody: `{"follows":["a/b%c"]}`},
	{name: "unknown route", method: "GET", path: "/nope", auth: simAuth, want: 404},
}

func TestContract(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		srv := newServer(t, db)
		for _, s := range contract {
			status, ct, body := do(t, srv, s.method, s.path, s.auth, s.body)
			if status != s.want {
				t.Fatalf("%s: %s %s = %d %s, want %d", s.name, s.method, s.path, status, body, s.want)
			}
			if status == 204 && body != "" {
				t.Errorf("%s: 204 with body %q", s.name, body)
			}
			if status != 204 && ct != "application/json" {
				t.Errorf("%s: Content-Type %q, want application/json", s.name, ct)
			}
			if status >= 400 {
				var e struct {
					Status   int    `json:"status"`
					ErrorMsg string `json:"error_msg"`
				}
				if err := json.Unmarshal([]byte(body), &e); err != nil || e.Status != status || e.ErrorMsg == "" {
					t.Errorf("%s: error body %q is not {status, error_msg}", s.name, body)
				}
			}
			if s.wantBody != "" {
				assertJSON(t, s.name, s.wantBody, body)
			}
			if s.latest != nil {
				_, _, lb := do(t, srv, "GET", "/latest", "", "")
				var l struct{ Latest int64 }
				_ = json.Unmarshal([]byte(lb), &l)
				if l.Latest != *s.latest {
					t.Errorf("%s: latest = %d, want %d", s.name, l.Latest, *s.latest)
				}
			}
		}

		// The message list: newest first, same-second posts later-first,
		// content byte for byte (no HTML escaping).
		_, _, body := do(t, srv, "GET", "/msgs?no=2", simAuth, "")
		var msgs []struct {
			Content string `json:"content"`
			PubDate int64  `json:"pub_date"`
			User    string `json:"user"`
		}
		if err := json.Unmarshal([]byte(body), &msgs); err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 2 || msgs[0].Content != "slash" || msgs[0].User != "a/b%c" || msgs[1].Content != "second" || msgs[0].PubDate < 1_700_000_000 {
			t.Errorf("GET /msgs?no=2 = %s", body)
		}
		if !strings.Contains(body, `“Hello” — it’s <b>me</b> & 😀`) {
			_, _, all := do(t, srv, "GET", "/msgs/Roger%20Histand", simAuth, "")
			if !strings.Contains(all, `“Hello” — it’s <b>me</b> & 😀`) {
				t.Errorf("content not returned verbatim: %s", all)
			}
		}
		db.Exec(t, "UPDATE messages SET flagged = ? WHERE text = ?", true, "slash")
		_, _, body = do(t, srv, "GET", "/msgs", simAuth, "")
		if strings.Contains(body, "slash") {
			t.Errorf("flagged message listed: %s", body)
		}
	})
}

func TestBodyLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		srv := newServer(t, db)
		big := `{"content":"` + strings.Repeat("x", 1<<20) + `"}`
		do(t, srv, "POST", "/register", "", `{"username":"u","email":"u@x","pwd":"p"}`)
		status, _, body := do(t, srv, "POST", "/msgs/u", simAuth, big)
		if status != http.StatusRequestEntityTooLarge {
			t.Errorf("1 MiB+ body: %d %s, want 413", status, body)
		}
	})
}

func do(t *testing.T, srv *httptest.Server, method, path, auth, body string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Close = true
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

func assertJSON(t *testing.T, name, want, got string) {
	t.Helper()
	var w, g any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: bad want JSON: %v", name, err)
	}
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Errorf("%s: body is not JSON: %q", name, got)
		return
	}
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("%s: body (-want +got):\n%s", name, diff)
	}
}
