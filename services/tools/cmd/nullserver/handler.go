package main

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// maxBody is the contract's request body limit.
const maxBody = 1 << 20

// handler is the do-nothing simulator API. It still does what any server
// must for the simulator to count no error: check the credentials, read and
// decode the JSON body, remember latest and the registered names.
type handler struct {
	prefix string
	auth   string // the expected Authorization header

	latest atomic.Int64

	mu    sync.Mutex
	names map[string]struct{}
}

func newHandler(prefix, user, password string) *handler {
	h := &handler{
		prefix: strings.TrimRight(prefix, "/"),
		auth:   "Basic " + basic(user, password),
		names:  map[string]struct{}{},
	}
	h.latest.Store(-1)
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, h.prefix+"/")
	if !ok {
		fail(w, http.StatusNotFound, "not found")
		return
	}
	if path == "latest" && r.Method == http.MethodGet {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"latest":`+strconv.FormatInt(h.latest.Load(), 10)+`}`)
		return
	}
	if v := r.URL.Query().Get("latest"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			h.latest.Store(n)
		}
	}
	route, _, _ := strings.Cut(path, "/")
	if route == "register" && r.Method == http.MethodPost {
		h.register(w, r)
		return
	}
	if r.Header.Get("Authorization") != h.auth {
		fail(w, http.StatusForbidden, "You are not authorized to use this resource!")
		return
	}
	switch {
	case route == "msgs" && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "[]")
	case route == "fllws" && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"follows":[]}`)
	case (route == "msgs" || route == "fllws") && r.Method == http.MethodPost:
		var body map[string]any
		if !decode(w, r, &body) {
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		fail(w, http.StatusNotFound, "not found")
	}
}

func (h *handler) register(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Username string `json:"username"`
	}
	if !decode(w, r, &body) {
		return
	}
	key := strings.ToLower(body.Username)
	h.mu.Lock()
	_, taken := h.names[key]
	h.names[key] = struct{}{}
	h.mu.Unlock()
	if taken {
		fail(w, http.StatusBadRequest, "The username is already taken")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(v); err != nil {
		fail(w, http.StatusBadRequest, "invalid JSON body")
		return false
	}
	return true
}

func fail(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(struct {
		Status   int    `json:"status"`
		ErrorMsg string `json:"error_msg"`
	}{status, msg})
	_, _ = w.Write(b)
}

func basic(user, password string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
}
