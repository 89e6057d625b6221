package main

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeMiniTwit answers the routes the load tool calls the way the
// contract says, and records what a test wants to check: sign-ins,
// sessions, Basic auth, latest values, follow state, connections.
type fakeMiniTwit struct {
	mu          sync.Mutex
	status      map[string]int // path -> forced status
	hits        map[string]int // "METHOD path" without the user part
	logins      int
	noSession   int // home requests without a session
	badAuth     int // API requests without the simulator's credentials
	latest      []int64
	following   map[[2]string]bool
	strayUnfoll int // unfollows of a pair not followed
	follows     int
	selfFollows int
	newConns    int
	block       chan struct{} // when set, /public waits on it
}

func newFake() *fakeMiniTwit {
	return &fakeMiniTwit{status: map[string]int{}, hits: map[string]int{}, following: map[[2]string]bool{}}
}

func (f *fakeMiniTwit) start(t *testing.T) *httptest.Server {
	srv := httptest.NewUnstartedServer(f)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			f.mu.Lock()
			f.newConns++
			f.mu.Unlock()
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func (f *fakeMiniTwit) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.block != nil && r.URL.Path == "/public" {
		<-f.block
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if s := f.status[r.URL.Path]; s != 0 {
		w.WriteHeader(s)
		return
	}
	path := r.URL.Path
	if api, ok := strings.CutPrefix(path, "/api/"); ok {
		f.api(w, r, api)
		return
	}
	switch {
	case path == "/login" && r.Method == http.MethodPost:
		_ = r.ParseForm()
		if r.PostForm.Get("username") == "" || r.PostForm.Get("password") != "pw" {
			w.WriteHeader(http.StatusOK) // the form again, with an error
			return
		}
		f.logins++
		http.SetCookie(w, &http.Cookie{Name: "session", Value: r.PostForm.Get("username"), Path: "/", HttpOnly: true})
		http.Redirect(w, r, "/", http.StatusFound)
	case path == "/":
		f.hits["GET /"]++
		if c, err := r.Cookie("session"); err != nil || c.Value == "" {
			f.noSession++
			http.Redirect(w, r, "/public", http.StatusFound)
			return
		}
		_, _ = w.Write([]byte("<html>my timeline</html>"))
	case path == "/public":
		f.hits["GET /public"]++
		_, _ = w.Write([]byte("<html>public timeline</html>"))
	default:
		f.hits["GET /<user>"]++
		_, _ = w.Write([]byte("<html>" + strings.TrimPrefix(path, "/") + "'s timeline</html>"))
	}
}

func (f *fakeMiniTwit) api(w http.ResponseWriter, r *http.Request, path string) {
	if u, p, ok := r.BasicAuth(); !ok || u != "simulator" || p != "super_safe!" {
		f.badAuth++
		w.WriteHeader(http.StatusForbidden)
		return
	}
	if v := r.URL.Query().Get("latest"); v != "" {
		n, _ := strconv.ParseInt(v, 10, 64)
		f.latest = append(f.latest, n)
	}
	kind, user, _ := strings.Cut(path, "/")
	key := r.Method + " /" + kind
	if user != "" {
		key += "/<user>"
	}
	f.hits[key]++
	if r.Method == http.MethodGet {
		w.Header().Set("Content-Type", "application/json")
		if kind == "fllws" {
			_, _ = w.Write([]byte(`{"follows":[]}`))
		} else {
			_, _ = w.Write([]byte(`[]`))
		}
		return
	}
	var body map[string]string
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if kind == "fllws" {
		switch {
		case body["follow"] != "":
			if body["follow"] == user {
				f.selfFollows++
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			f.follows++
			f.following[[2]string{user, body["follow"]}] = true
		case body["unfollow"] != "":
			p := [2]string{user, body["unfollow"]}
			if !f.following[p] {
				f.strayUnfoll++
			}
			delete(f.following, p)
		default:
			w.WriteHeader(http.StatusBadRequest)
			return
		}
	} else if body["content"] == "" {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
