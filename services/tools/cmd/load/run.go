package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// options is one run's configuration, checked by main.
type options struct {
	base        *url.URL // web UI root
	api         *url.URL // simulator API root
	conc        int      // closed loop: workers; open loop: most requests in flight
	rate        float64  // > 0: open loop at this many starts per second
	n           int64    // at most this many requests (0: no count bound)
	dur         time.Duration
	mix         []weighted
	pageSize    int
	timeout     time.Duration
	closeConns  bool
	insecure    bool
	latest      bool
	simUser     string
	simPassword string
	users       users
}

// users names whom each endpoint is about.
type users struct {
	profile  string   // user, api_user_msgs
	home     string   // home (signs in as this user), api_fllws
	password string   // home's sign-in password
	writers  []string // tweet, follow, unfollow: authors and follow pairs
}

// stats gathers one endpoint's outcomes.
type stats struct {
	name   string
	ok     hist
	mu     sync.Mutex
	errors map[string]int64 // kind -> count
}

func (s *stats) fail(kind string) {
	s.mu.Lock()
	s.errors[kind]++
	s.mu.Unlock()
}

// runner holds what workers share.
type runner struct {
	opt       options
	transport *http.Transport
	sched     []string
	stats     map[string]*stats
	started   atomic.Int64 // requests started (the -n bound)
	latestSeq atomic.Int64
	late      atomic.Int64 // open loop: starts later than planned
	stop      time.Time    // no request starts after this

	// Follow pairs some worker has followed and not yet undone (or is
	// following now): a follow picks a pair outside it, so each unfollow
	// undoes its own worker's follow and no other worker's.
	pairsMu     sync.Mutex
	outstanding map[[2]string]bool
}

func newRunner(opt options) *runner {
	dialer := &net.Dialer{Timeout: opt.timeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		DialContext:         loopbackDial(dialer),
		MaxIdleConns:        opt.conc * 2,
		MaxIdleConnsPerHost: opt.conc * 2,
		IdleConnTimeout:     90 * time.Second,
		DisableKeepAlives:   opt.closeConns,
		DisableCompression:  true,
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: opt.insecure}, //nolint:gosec // -insecure: self-signed certificates of local test gateways
	}
	r := &runner{opt: opt, transport: tr, sched: schedule(opt.mix), stats: map[string]*stats{}, outstanding: map[[2]string]bool{}}
	for _, m := range opt.mix {
		r.stats[m.name] = &stats{name: m.name, errors: map[string]int64{}}
	}
	// The follow endpoint records the follows that unfollow adds.
	if _, ok := r.stats["follow"]; !ok && r.stats["unfollow"] != nil {
		r.stats["follow"] = &stats{name: "follow", errors: map[string]int64{}}
	}
	return r
}

func (r *runner) needs(name string) bool { _, ok := r.stats[name]; return ok }

// worker is one connection's client state.
type worker struct {
	r         *runner
	id        int
	client    *http.Client
	rng       *rand.Rand
	seq       int64
	pending   [][2]string // follows this worker made and has not undone
	following [2]string   // the pair of a follow in flight
}

func (r *runner) newWorker(id int) *worker {
	jar, _ := cookiejar.New(nil)
	return &worker{
		r:  r,
		id: id,
		client: &http.Client{
			Transport: r.transport,
			Jar:       jar,
			Timeout:   r.opt.timeout,
			// Redirects are answers to check, not to follow (and never
			// lead anywhere but the target).
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		rng: rand.New(rand.NewPCG(uint64(id)+1, uint64(time.Now().UnixNano()))),
	}
}

// signIn posts the web login form; the session cookie lands in the jar.
func (w *worker) signIn(ctx context.Context) error {
	form := url.Values{"username": {w.r.opt.users.home}, "password": {w.r.opt.users.password}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.r.opt.base.JoinPath("/login").String(), strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("sign in as %s: %w", w.r.opt.users.home, err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		return fmt.Errorf("sign in as %s: %s, Location %q (want a redirect to /): %.200s",
			w.r.opt.users.home, resp.Status, resp.Header.Get("Location"), body)
	}
	return nil
}

// acquire reserves one request under the -n and -d bounds.
func (r *runner) acquire() bool {
	if time.Now().After(r.stop) {
		return false
	}
	if r.opt.n > 0 && r.started.Add(1) > r.opt.n {
		return false
	}
	return true
}

// runClosed: each worker sends its next request as soon as the last one
// is answered.
func (r *runner) runClosed(ctx context.Context, workers []*worker) {
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() {
			for i := w.id; ctx.Err() == nil && r.acquire(); i++ {
				w.do(ctx, r.sched[i%len(r.sched)], time.Now())
			}
		})
	}
	wg.Wait()
}

// runOpen: requests start at a fixed rate whatever the answers take (open
// loop), on up to -c workers. A start that finds every worker busy waits
// for one and counts as late; its latency is measured from the planned
// start, so a slow server is not hidden by the client falling behind.
func (r *runner) runOpen(ctx context.Context, workers []*worker) {
	type job struct {
		planned time.Time
		i       int
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() {
			for j := range jobs {
				w.do(ctx, r.sched[j.i%len(r.sched)], j.planned)
			}
		})
	}
	interval := time.Duration(float64(time.Second) / r.opt.rate)
	start := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for i := 0; ctx.Err() == nil; i++ {
		planned := start.Add(time.Duration(i) * interval)
		if d := time.Until(planned); d > 0 {
			timer.Reset(d)
			select {
			case <-timer.C:
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil || !r.acquire() {
			break
		}
		select {
		case jobs <- job{planned, i}:
			continue
		default:
		}
		r.late.Add(1)
		select {
		case jobs <- job{planned, i}:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
}

// do sends one request of the endpoint and records its outcome; latency
// counts from planned.
func (w *worker) do(ctx context.Context, name string, planned time.Time) {
	if name == "unfollow" && len(w.pending) == 0 {
		// Unfollow always undoes a follow: make one first (it is a real
		// follow and is reported as one).
		w.call(ctx, "follow", time.Now())
		if len(w.pending) == 0 {
			return // that follow failed: there is nothing of ours to undo
		}
	}
	w.call(ctx, name, planned)
}

func (w *worker) call(ctx context.Context, name string, planned time.Time) {
	st := w.r.stats[name]
	defer func() {
		// A follow that failed holds no pair.
		if w.following != ([2]string{}) {
			w.r.releasePair(w.following)
			w.following = [2]string{}
		}
	}()
	req, want, onOK, err := w.build(ctx, name)
	if err != nil {
		st.fail("build: " + err.Error())
		return
	}
	resp, err := w.client.Do(req)
	if err != nil {
		st.fail(errorKind(err))
		return
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	elapsed := time.Since(planned)
	switch {
	case resp.StatusCode != want:
		st.fail("status " + strconv.Itoa(resp.StatusCode))
	case err != nil:
		st.fail(errorKind(err))
	default:
		st.ok.record(elapsed)
		if onOK != nil {
			onOK()
		}
	}
}

// build makes the request for one endpoint, the status that means success
// and what to remember when it succeeds.
func (w *worker) build(ctx context.Context, name string) (*http.Request, int, func(), error) {
	o := &w.r.opt
	get := func(u *url.URL, api bool) (*http.Request, int, func(), error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err == nil && api {
			req.SetBasicAuth(o.simUser, o.simPassword)
		}
		return req, http.StatusOK, nil, err
	}
	post := func(path string, body any, onOK func()) (*http.Request, int, func(), error) {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, 0, nil, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.apiURL(path, false).String(), bytes.NewReader(b))
		if err != nil {
			return nil, 0, nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth(o.simUser, o.simPassword)
		return req, http.StatusNoContent, onOK, nil
	}
	switch name {
	case "public":
		return get(o.base.JoinPath("/public"), false)
	case "user":
		return get(o.base.JoinPath("/", o.users.profile), false)
	case "home":
		return get(o.base.JoinPath("/"), false)
	case "api_msgs":
		return get(w.apiURL("/msgs", true), true)
	case "api_user_msgs":
		return get(w.apiURL("/msgs/"+url.PathEscape(o.users.profile), true), true)
	case "api_fllws":
		return get(w.apiURL("/fllws/"+url.PathEscape(o.users.home), true), true)
	case "tweet":
		w.seq++
		author := o.users.writers[w.rng.IntN(len(o.users.writers))]
		text := fmt.Sprintf("load test message %d.%d from the load tool", w.id, w.seq)
		return post("/msgs/"+url.PathEscape(author), map[string]string{"content": text}, nil)
	case "follow":
		p := w.reservePair()
		w.following = p
		return post("/fllws/"+url.PathEscape(p[0]), map[string]string{"follow": p[1]}, func() {
			w.pending = append(w.pending, p)
			w.following = [2]string{}
		})
	case "unfollow":
		var p [2]string
		if n := len(w.pending); n > 0 {
			p, w.pending = w.pending[n-1], w.pending[:n-1]
			w.r.releasePair(p)
		} else { // the follow before it failed: unfollow is idempotent
			p[0], p[1] = w.pair()
		}
		return post("/fllws/"+url.PathEscape(p[0]), map[string]string{"unfollow": p[1]}, nil)
	}
	return nil, 0, nil, fmt.Errorf("unknown endpoint %q", name)
}

// reservePair picks a follow pair no worker has outstanding and marks it.
// When every pair is taken (few writers, many workers) it reuses one: the
// API answers 204 either way, only the strict pairing is lost.
func (w *worker) reservePair() [2]string {
	r := w.r
	r.pairsMu.Lock()
	defer r.pairsMu.Unlock()
	var p [2]string
	for range 64 {
		p[0], p[1] = w.pair()
		if !r.outstanding[p] {
			break
		}
	}
	r.outstanding[p] = true
	return p
}

func (r *runner) releasePair(p [2]string) {
	r.pairsMu.Lock()
	delete(r.outstanding, p)
	r.pairsMu.Unlock()
}

// pair picks two different writers.
func (w *worker) pair() (string, string) {
	ws := w.r.opt.users.writers
	i := w.rng.IntN(len(ws))
	j := w.rng.IntN(len(ws) - 1)
	if j >= i {
		j++
	}
	return ws[i], ws[j]
}

func (w *worker) apiURL(path string, page bool) *url.URL {
	o := &w.r.opt
	u, err := url.Parse(strings.TrimSuffix(o.api.String(), "/") + path)
	if err != nil {
		u = o.api.JoinPath(path) // unreachable: path is escaped
	}
	q := url.Values{}
	if page {
		q.Set("no", strconv.Itoa(o.pageSize))
	}
	if o.latest {
		q.Set("latest", strconv.FormatInt(w.r.latestSeq.Add(1), 10))
	}
	u.RawQuery = q.Encode()
	return u
}

// errorKind names a transport error: timeout, refused, reset, or other.
func errorKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout(), errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.EPIPE):
		return "reset"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "other"
}
