// Command load sends a bounded load of MiniTwit requests to a server on this
// machine and reports throughput, errors and latency percentiles per
// endpoint.
//
//	load -url http://127.0.0.1:8080 -manifest seed.json -mix public=1,home=1,api_msgs=1 -c 32 -d 30s
//	load -url http://127.0.0.1:8080 -endpoint api_msgs -no 100 -c 32 -n 100000 -json out.json
//	load -url http://127.0.0.1:8080 -manifest seed.json -endpoint tweet -rate 2000 -d 10s
//
// Targets: -url is the web UI's root; the simulator API is at -url plus
// -api-prefix (/api, as the one-process binary serves it), or at -api-url.
// Only loopback addresses are accepted (127.0.0.0/8, ::1, or localhost
// and names under .localhost when they resolve only to loopback); anything else is refused before
// a request is sent, and the dialer checks every connection again.
// Redirects are never followed.
//
// Endpoints (-mix name=weight,..., or -endpoint name for one):
//
//	public         GET /public (web), 200
//	user           GET /<profile user> (web), 200
//	home           GET / signed in (web), 200; each worker signs in first with a
//	               form POST /login and keeps the session cookie
//	api_msgs       GET <api>/msgs?no=N, 200
//	api_user_msgs  GET <api>/msgs/<profile user>?no=N, 200
//	api_fllws      GET <api>/fllws/<home user>?no=N, 200
//	tweet          POST <api>/msgs/<writer> {"content": ...}, 204
//	follow         POST <api>/fllws/<writer> {"follow": <another writer>}, 204
//	unfollow       POST <api>/fllws/<writer> {"unfollow": ...}, 204, undoing a follow
//	               the same worker made; with none outstanding the worker
//	               follows first, and that follow is reported under follow
//
// Users: -manifest reads the seeder's manifest (minitwit-admin seed): the
// popular user is the profile user, the heavy follower the home user (its
// password is the manifest's), the sample users the writers. -user,
// -home-user, -password and -writers override or replace it. API calls
// carry the simulator's Basic auth (-sim-user, -sim-password) and, unless
// -latest=false, an increasing latest=N as the simulator sends.
//
// Load: closed loop by default (-c workers, each sending its next request
// when the last is answered), or open loop with -rate R (R starts per
// second on up to -c workers whatever the answers take; a start that finds
// all -c workers busy waits for one and is counted as late, and latency is
// measured from the planned start). The weighted mix is spread evenly over each cycle
// (smooth weighted round-robin), each worker starting at a different point.
// The run ends at -n requests or -d time, whichever comes first, and never
// later than 10,000,000 requests or 1 hour; with neither given it lasts
// 10 s. Requests in flight at the end complete. Connections are kept alive
// unless -close (a new connection per request, as the course simulator).
//
// A request succeeds when the status is the expected one and the whole
// body is read; latency percentiles are of successful requests (a
// log-linear histogram: exact to 256 µs, then within 0.8%; fixed memory).
// Errors are counted by kind: "status N", "timeout", "refused", "reset",
// "canceled" (interrupted), "other". The exit status is 1 if any request
// failed, so scripts can require a clean run.
//
// -json FILE writes the same figures:
//
//	{
//	  "target": "http://127.0.0.1:8080", "api": "http://127.0.0.1:8080/api",
//	  "mode": "closed" | "open", "connections": 32, "rate": 0 (requests/s, open loop),
//	  "keep_alive": true, "page_size": 100, "mix": "public=1,api_msgs=1",
//	  "started": RFC 3339 time, "duration_s": 10.0, "late_starts": 0 (open loop),
//	  "endpoints": [ENDPOINT, ...] (in the order listed above, only those run),
//	  "total": ENDPOINT (name "total", all endpoints together)
//	}
//	ENDPOINT = {
//	  "name": "api_msgs", "requests": N (ok + errors), "ok": N, "errors": N,
//	  "errors_by_kind": {"status 500": N, "timeout": N, ...},
//	  "throughput_rps": successful requests per second over duration_s,
//	  "mean_ms", "p50_ms", "p90_ms", "p99_ms", "max_ms": latency of successful
//	  requests in milliseconds (0 when none)
//	}
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
)

const (
	hardMaxRequests = 10_000_000
	hardMaxDuration = time.Hour
	defaultDuration = 10 * time.Second
)

// manifest is the part of the seeder's manifest the tool uses.
type manifest struct {
	HeavyFollower string   `json:"heavy_follower"`
	PopularUser   string   `json:"popular_user"`
	SampleUsers   []string `json:"sample_users"`
	Password      string   `json:"password"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	failed, err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case err != nil:
		fmt.Fprintf(os.Stderr, "load: %v\n", err)
		os.Exit(2)
	case failed:
		os.Exit(1)
	}
}

// run parses args, runs the load and reports; failed is true when any
// request failed.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (failed bool, err error) {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("url", "http://127.0.0.1:8080", "web UI root `URL` (loopback only)")
	apiPrefix := fs.String("api-prefix", "/api", "simulator API `path` under -url")
	apiURL := fs.String("api-url", "", "simulator API root `URL` (loopback only); overrides -api-prefix")
	conc := fs.Int("c", 32, "closed loop: concurrent `workers`; open loop: most requests in flight")
	rate := fs.Float64("rate", 0, "open loop: start this many requests per `second` (0: closed loop)")
	n := fs.Int64("n", 0, "stop after this many `requests` (0: no count bound)")
	dur := fs.Duration("d", 0, "stop after this `duration` (0: 10s unless -n is given)")
	mixFlag := fs.String("mix", "public=1,api_msgs=1", "endpoints and weights, `name=w,...`: "+strings.Join(endpointNames, ", "))
	endpoint := fs.String("endpoint", "", "a single `endpoint` (instead of -mix)")
	pageSize := fs.Int("no", 100, "API page size (no=`N`)")
	timeout := fs.Duration("timeout", 10*time.Second, "per-request `timeout`")
	closeConns := fs.Bool("close", false, "a new connection per request (no keep-alive)")
	insecure := fs.Bool("insecure", false, "accept any TLS certificate (self-signed local gateways)")
	latest := fs.Bool("latest", true, "send latest=N on API calls, as the simulator does")
	simUser := fs.String("sim-user", "simulator", "simulator API Basic auth `user`")
	simPassword := fs.String("sim-password", "super_safe!", "simulator API Basic auth `password`")
	manifestPath := fs.String("manifest", "", "the seeder's manifest `file` (users and password)")
	profile := fs.String("user", "", "`username` of the profile endpoints (user, api_user_msgs); default the manifest's popular_user")
	home := fs.String("home-user", "", "`username` of home and api_fllws; default the manifest's heavy_follower")
	password := fs.String("password", "", "home user's `password`; default the manifest's")
	writers := fs.String("writers", "", "comma-separated `usernames` that tweet and follow each other; default the manifest's sample_users")
	jsonPath := fs.String("json", "", "also write the report as JSON to `file`")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: load [flags]  (loopback targets only)\n\nEndpoints:\n")
		for _, name := range endpointNames {
			fmt.Fprintf(stderr, "  %-14s %s\n", name, endpointDoc[name])
		}
		fmt.Fprintf(stderr, "\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return false, err
	}
	if fs.NArg() > 0 {
		return false, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}

	opt := options{
		conc: *conc, rate: *rate, n: *n, dur: *dur, pageSize: *pageSize, timeout: *timeout,
		closeConns: *closeConns, insecure: *insecure, latest: *latest, simUser: *simUser, simPassword: *simPassword,
	}
	switch {
	case opt.conc < 1 || opt.conc > 10_000:
		return false, errors.New("-c must be from 1 to 10000")
	case opt.rate < 0 || opt.rate > 1_000_000:
		return false, errors.New("-rate must be from 0 to 1000000")
	case opt.n < 0 || opt.dur < 0:
		return false, errors.New("-n and -d must not be negative")
	case opt.pageSize < 1:
		return false, errors.New("-no must be positive")
	case opt.timeout <= 0:
		return false, errors.New("-timeout must be positive")
	}
	if opt.n == 0 && opt.dur == 0 {
		opt.dur = defaultDuration
	}
	if opt.n == 0 || opt.n > hardMaxRequests {
		opt.n = hardMaxRequests
	}
	if opt.dur == 0 || opt.dur > hardMaxDuration {
		opt.dur = hardMaxDuration
	}

	mixText := *mixFlag
	if *endpoint != "" {
		mixText = *endpoint + "=1"
	}
	if opt.mix, err = parseMix(mixText); err != nil {
		return false, err
	}
	if opt.base, err = checkLoopback(ctx, *target); err != nil {
		return false, err
	}
	if *apiURL == "" {
		*apiURL = opt.base.JoinPath(*apiPrefix).String()
	}
	if opt.api, err = checkLoopback(ctx, *apiURL); err != nil {
		return false, err
	}

	var m manifest
	if *manifestPath != "" {
		b, err := os.ReadFile(*manifestPath)
		if err != nil {
			return false, err
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return false, fmt.Errorf("manifest %s: %v", *manifestPath, err)
		}
	}
	opt.users = users{profile: m.PopularUser, home: m.HeavyFollower, password: m.Password, writers: m.SampleUsers}
	for _, o := range []struct {
		flag string
		dst  *string
	}{{*profile, &opt.users.profile}, {*home, &opt.users.home}, {*password, &opt.users.password}} {
		if o.flag != "" {
			*o.dst = o.flag
		}
	}
	if *writers != "" {
		opt.users.writers = strings.Split(*writers, ",")
	}
	if err := opt.checkUsers(); err != nil {
		return false, err
	}

	r := newRunner(opt)
	workers := make([]*worker, opt.conc)
	for i := range workers {
		workers[i] = r.newWorker(i)
		if r.needs("home") {
			if err := workers[i].signIn(ctx); err != nil {
				return false, err
			}
		}
	}

	started := time.Now()
	r.stop = started.Add(opt.dur)
	if opt.rate > 0 {
		r.runOpen(ctx, workers)
	} else {
		r.runClosed(ctx, workers)
	}
	elapsed := time.Since(started)
	r.transport.CloseIdleConnections()

	rep := r.report(started, elapsed)
	printText(stdout, rep)
	if *jsonPath != "" {
		if err := writeJSON(*jsonPath, rep); err != nil {
			return false, err
		}
	}
	if ctx.Err() != nil {
		return true, errors.New("interrupted; the figures above cover the requests made")
	}
	return rep.Total.Errors > 0, nil
}

// checkUsers requires the users the chosen endpoints are about.
func (o options) checkUsers() error {
	has := func(names ...string) bool {
		return slices.ContainsFunc(o.mix, func(w weighted) bool { return slices.Contains(names, w.name) })
	}
	switch {
	case has("user", "api_user_msgs") && o.users.profile == "":
		return errors.New("the user and api_user_msgs endpoints need -user or -manifest")
	case has("home", "api_fllws") && o.users.home == "":
		return errors.New("the home and api_fllws endpoints need -home-user or -manifest")
	case has("home") && o.users.password == "":
		return errors.New("the home endpoint signs in: it needs -password or -manifest")
	case has("tweet", "follow", "unfollow") && len(o.users.writers) < 2:
		return errors.New("tweet, follow and unfollow need at least two -writers or -manifest")
	}
	for _, u := range append([]string{o.users.profile, o.users.home}, o.users.writers...) {
		if strings.ContainsAny(u, "/?#") {
			return fmt.Errorf("username %q cannot be part of a path", u)
		}
	}
	return nil
}
