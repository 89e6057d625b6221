package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeAPI implements just enough of the simulator API to hold state, and
// records every way a request deviates from what the simulator sends.
// Fault switches make it answer wrongly so the tests can see the replayer
// notice.
type fakeAPI struct {
	mu       sync.Mutex
	auth     string
	users    map[string]bool
	msgs     map[string][]string
	follows  map[string][]string
	latest   int64
	requests int
	newConns int
	problems []string

	// faults
	statusFor       map[int64]int           // answer this status for the action id
	hangFor         map[int64]time.Duration // sleep this long, then answer 204 doing nothing
	alwaysAccept    bool                    // register never says "taken"
	dropNewest      bool                    // GET /msgs omits the newest message
	ignoreUnfollows bool                    // unfollow answers 204 and does nothing
	latestOffset    int64                   // GET /latest lies by this much
}

func newFakeAPI() *fakeAPI {
	return &fakeAPI{
		auth:      "Basic " + base64.StdEncoding.EncodeToString([]byte("simulator:super_safe!")),
		users:     map[string]bool{},
		msgs:      map[string][]string{},
		follows:   map[string][]string{},
		latest:    -1,
		statusFor: map[int64]int{},
		hangFor:   map[int64]time.Duration{},
	}
}

// start serves the fake on loopback; tls selects a self-signed HTTPS server.
func (f *fakeAPI) start(t *testing.T, tls bool) *httptest.Server {
	srv := httptest.NewUnstartedServer(f)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			f.mu.Lock()
			f.newConns++
			f.mu.Unlock()
		}
	}
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv
}

func (f *fakeAPI) problem(format string, args ...any) {
	f.problems = append(f.problems, fmt.Sprintf(format, args...))
}

func (f *fakeAPI) snapshot() (requests, newConns int, problems []string, latest int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests, f.newConns, slices.Clone(f.problems), f.latest
}

func writeErr(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"status": status, "error_msg": msg})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rawPath, rawQuery, _ := strings.Cut(r.RequestURI, "?")
	q, err := url.ParseQuery(rawQuery)

	f.mu.Lock()
	f.requests++
	if err != nil {
		f.problem("%s: bad query: %v", r.RequestURI, err)
	}
	if !r.Close || r.Header.Get("Connection") != "close" {
		f.problem("%s %s: no Connection: close (header %q)", r.Method, r.RequestURI, r.Header.Get("Connection"))
	}
	if got := r.Header.Get("Authorization"); got != f.auth && !strings.HasPrefix(got, "Basic ") {
		f.problem("%s %s: Authorization %q is not Basic", r.Method, r.RequestURI, got)
	}
	authOK := r.Header.Get("Authorization") == f.auth

	var id int64
	if r.Method == http.MethodPost {
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			f.problem("%s: Content-Type %q", r.RequestURI, ct)
		}
		for _, c := range body {
			if c >= 0x80 {
				f.problem("%s: body has raw non-ASCII bytes: %q", r.RequestURI, body)
				break
			}
		}
		l := q.Get("latest")
		id, err = strconv.ParseInt(l, 10, 64)
		if err != nil || len(q) != 1 {
			f.problem("%s: want exactly ?latest=<int>, got %q", r.RequestURI, rawQuery)
		}
		// The replay is sequential, so ids reach the server in order.
		if authOK || rawPath == "/register" {
			if id <= f.latest {
				f.problem("%s: latest %d not after %d", r.RequestURI, id, f.latest)
			}
			f.latest = id
		}
	}
	hang, status := f.hangFor[id], f.statusFor[id]
	f.mu.Unlock()

	if hang > 0 {
		time.Sleep(hang)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if status != 0 {
		writeErr(w, status, "injected fault")
		return
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.Method == http.MethodGet && rawPath == "/latest":
		if rawQuery != "" {
			f.problem("GET /latest with query %q", rawQuery)
		}
		writeJSON(w, map[string]int64{"latest": f.latest + f.latestOffset})
	case r.Method == http.MethodPost && rawPath == "/register":
		var b struct{ Username, Email, Pwd *string }
		if !f.decode(body, &b, "username", "email", "pwd") {
			writeErr(w, 400, "bad body")
			return
		}
		if f.users[*b.Username] && !f.alwaysAccept {
			writeErr(w, 400, "The username is already taken")
			return
		}
		f.users[*b.Username] = true
		w.WriteHeader(http.StatusNoContent)
	case !authOK:
		writeErr(w, 403, "You are not authorized to use this resource!")
	case strings.HasPrefix(rawPath, "/msgs/"):
		user, ok := f.pathUser(rawPath, "/msgs/")
		if !ok {
			writeErr(w, 404, "unknown user")
			return
		}
		if r.Method == http.MethodGet {
			var out []map[string]any
			m := f.msgs[user]
			if f.dropNewest && len(m) > 0 {
				m = m[:len(m)-1]
			}
			no, _ := strconv.Atoi(q.Get("no"))
			for i := len(m) - 1; i >= 0 && len(out) < no; i-- {
				out = append(out, map[string]any{"content": m[i], "pub_date": 1700000000, "user": user})
			}
			writeJSON(w, out)
			return
		}
		var b struct{ Content *string }
		if !f.decode(body, &b, "content") {
			writeErr(w, 400, "bad body")
			return
		}
		f.msgs[user] = append(f.msgs[user], *b.Content)
		w.WriteHeader(http.StatusNoContent)
	case strings.HasPrefix(rawPath, "/fllws/"):
		user, ok := f.pathUser(rawPath, "/fllws/")
		if !ok {
			writeErr(w, 404, "unknown user")
			return
		}
		if r.Method == http.MethodGet {
			writeJSON(w, map[string][]string{"follows": append([]string{}, f.follows[user]...)})
			return
		}
		var b struct{ Follow, Unfollow *string }
		var key string
		if bytes.Contains(body, []byte(`"follow"`)) {
			key = "follow"
		} else {
			key = "unfollow"
		}
		if !f.decode(body, &b, key) {
			writeErr(w, 400, "bad body")
			return
		}
		if b.Follow != nil {
			if !f.users[*b.Follow] {
				writeErr(w, 404, "unknown other")
				return
			}
			if !slices.Contains(f.follows[user], *b.Follow) {
				f.follows[user] = append(f.follows[user], *b.Follow)
			}
		} else {
			if !f.users[*b.Unfollow] {
				writeErr(w, 404, "unknown other")
				return
			}
			if !f.ignoreUnfollows {
				f.follows[user] = slices.DeleteFunc(f.follows[user], func(s string) bool { return s == *b.Unfollow })
			}
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		f.problem("unexpected request %s %s", r.Method, r.RequestURI)
		writeErr(w, 404, "no route")
	}
}

// pathUser decodes the username from the raw path and insists it was
// escaped exactly as url.PathEscape does (a space as %20, never '+').
func (f *fakeAPI) pathUser(rawPath, prefix string) (string, bool) {
	esc := strings.TrimPrefix(rawPath, prefix)
	user, err := url.PathUnescape(esc)
	if err != nil {
		f.problem("%s: bad escape: %v", rawPath, err)
		return "", false
	}
	if url.PathEscape(user) != esc {
		f.problem("%s: user %q escaped as %q, want %q", rawPath, user, esc, url.PathEscape(user))
	}
	return user, f.users[user]
}

// decode requires a JSON object with exactly the given keys, all strings.
func (f *fakeAPI) decode(body []byte, into any, keys ...string) bool {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		f.problem("body %q: %v", body, err)
		return false
	}
	got := make([]string, 0, len(raw))
	for k := range raw {
		got = append(got, k)
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(keys))
	if !slices.Equal(got, want) {
		f.problem("body %q: keys %v, want %v", body, got, want)
		return false
	}
	if err := json.Unmarshal(body, into); err != nil {
		f.problem("body %q: %v", body, err)
		return false
	}
	return true
}
