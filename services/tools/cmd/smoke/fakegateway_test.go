package main

import (
	"encoding/json"
	"io"
	"log"
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

// fakeGateway answers like MiniTwit behind its gateway: the gateway's
// /healthz, the services' health endpoints, and the simulator API under
// /api, holding its state in memory. Fault switches make it break the
// contract in one way each, so the tests can see the smoke test notice.
type fakeGateway struct {
	mu      sync.Mutex
	auth    string
	users   map[string]bool
	msgs    []message
	follows map[string][]string
	latest  int64

	// faults
	apiNotReady     bool // /api/readyz answers 503
	forbiddenAsHTML bool // the 403 is an HTML page
	nullFollows     bool // an empty follow list is null
	ignoreLatest    bool // latest= is not stored
	loseTweets      bool // tweets answer 204 and are dropped
}

func newFakeGateway(user, password string) *fakeGateway {
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.SetBasicAuth(user, password)
	return &fakeGateway{auth: r.Header.Get("Authorization"), users: map[string]bool{}, follows: map[string][]string{}, latest: -1}
}

func (f *fakeGateway) start(t *testing.T) *httptest.Server {
	srv := httptest.NewUnstartedServer(f)
	// Clients that refuse the certificate are part of the tests.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func (f *fakeGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	writeJSON := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	fail := func(status int, msg string) { writeJSON(status, errorBody{status, msg}) }
	switch r.URL.Path {
	case "/healthz", "/api/healthz":
		writeJSON(200, map[string]string{"status": "ok"})
		return
	case "/readyz":
		writeJSON(200, map[string]string{"status": "ready"})
		return
	case "/api/readyz":
		if f.apiNotReady {
			writeJSON(503, map[string]any{"status": "unavailable", "failed": map[string]string{"database": "not ready"}})
			return
		}
		writeJSON(200, map[string]string{"status": "ready"})
		return
	}
	path, ok := strings.CutPrefix(r.URL.Path, "/api")
	if !ok {
		http.NotFound(w, r)
		return
	}
	if path == "/latest" {
		writeJSON(200, map[string]int64{"latest": f.latest})
		return
	}
	if path != "/register" && r.Header.Get("Authorization") != f.auth {
		if f.forbiddenAsHTML {
			w.WriteHeader(403)
			_, _ = io.WriteString(w, "<html>403</html>")
			return
		}
		fail(403, msgUnauthorized)
		return
	}
	if l, err := strconv.ParseInt(r.URL.Query().Get("latest"), 10, 64); err == nil && !f.ignoreLatest {
		f.latest = l
	}
	var body map[string]*string
	if r.Method == http.MethodPost {
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			fail(400, "bad JSON")
			return
		}
	}
	no := 100
	if n, err := strconv.Atoi(r.URL.Query().Get("no")); err == nil {
		no = n
	}
	who, _ := url.PathUnescape(path[strings.LastIndex(path, "/")+1:])
	switch {
	case path == "/register":
		switch {
		case body["pwd"] == nil || *body["pwd"] == "":
			fail(400, msgNoPassword)
		case f.users[*body["username"]]:
			fail(400, msgTaken)
		default:
			f.users[*body["username"]] = true
			w.WriteHeader(204)
		}
	case path == "/msgs" && r.Method == http.MethodGet:
		var out []message
		for i := len(f.msgs) - 1; i >= 0 && len(out) < no; i-- {
			out = append(out, f.msgs[i])
		}
		writeJSON(200, append([]message{}, out...))
	case !f.users[who]:
		fail(404, "unknown user")
	case strings.HasPrefix(path, "/msgs/") && r.Method == http.MethodGet:
		out := []message{}
		for i := len(f.msgs) - 1; i >= 0 && len(out) < no; i-- {
			if f.msgs[i].User == who {
				out = append(out, f.msgs[i])
			}
		}
		writeJSON(200, out)
	case strings.HasPrefix(path, "/msgs/"):
		if !f.loseTweets {
			f.msgs = append(f.msgs, message{Content: *body["content"], PubDate: time.Now().Unix(), User: who})
		}
		w.WriteHeader(204)
	case strings.HasPrefix(path, "/fllws/") && r.Method == http.MethodGet:
		list := f.follows[who]
		if list == nil && !f.nullFollows {
			list = []string{}
		}
		writeJSON(200, map[string][]string{"follows": list})
	case strings.HasPrefix(path, "/fllws/") && body["follow"] != nil:
		if !slices.Contains(f.follows[who], *body["follow"]) {
			f.follows[who] = append(f.follows[who], *body["follow"])
		}
		w.WriteHeader(204)
	case strings.HasPrefix(path, "/fllws/") && body["unfollow"] != nil:
		f.follows[who] = slices.DeleteFunc(f.follows[who], func(s string) bool { return s == *body["unfollow"] })
		if len(f.follows[who]) == 0 {
			f.follows[who] = nil
		}
		w.WriteHeader(204)
	default:
		fail(400, "bad request")
	}
}
