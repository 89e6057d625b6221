// Command smoke is the deploy gate of the staging and production workflows
// (docs/ci-cd.md). Against a running MiniTwit, through its gateway only, it
// checks the gateway's and the services' health endpoints, runs a short list
// of simulator API contract checks with fresh, unique users, and then a short
// simulator replay that must have zero errors. It prints one line per check
// and exits 1 if any failed (2 when it could not start).
//
//	smoke -base https://host [-insecure | -ca file.pem] [-sim-user U] [-sim-password P]
//	      [-replay-actions 200] [-replay-timeout 300ms] [-timeout 10s] [-wait 60s]
//	      [-latest=true] [-report smoke.json]
//
// The simulator credentials come from -sim-user/-sim-password or from
// SMOKE_SIM_USER/SMOKE_SIM_PASSWORD (a flag wins), so CI need not put the
// password on a command line.
package main

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

type config struct {
	base          *url.URL // the gateway, e.g. https://minitwit.example.org
	insecure      bool
	roots         *x509.CertPool // nil: the system's
	user          string
	password      string
	timeout       time.Duration // each contract or health request
	wait          time.Duration // how long health and readiness may take to pass
	replayActions int
	replayTimeout time.Duration
	latest        bool
	report        string
}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var cfg config
	var base, ca string
	fs := flag.NewFlagSet("smoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: smoke -base https://host [flags]")
		fs.PrintDefaults()
	}
	fs.StringVar(&base, "base", "", "the gateway's base URL, e.g. https://minitwit.example.org (required; the API is under /api)")
	fs.BoolVar(&cfg.insecure, "insecure", false, "accept any TLS certificate")
	fs.StringVar(&ca, "ca", "", "PEM file of the certificate authorities to trust instead of the system's")
	fs.StringVar(&cfg.user, "sim-user", "", "simulator Basic auth user (default $SMOKE_SIM_USER, else simulator)")
	fs.StringVar(&cfg.password, "sim-password", "", "simulator Basic auth password (default $SMOKE_SIM_PASSWORD; required)")
	fs.DurationVar(&cfg.timeout, "timeout", 10*time.Second, "timeout of each health and contract request")
	fs.DurationVar(&cfg.wait, "wait", 60*time.Second, "how long the health and readiness checks may keep retrying")
	fs.IntVar(&cfg.replayActions, "replay-actions", 200, "actions of the simulator replay (0: no replay)")
	fs.DurationVar(&cfg.replayTimeout, "replay-timeout", 300*time.Millisecond, "per-request timeout of the replay (the simulator's is 300ms)")
	fs.BoolVar(&cfg.latest, "latest", true, "send latest= and check GET /latest; -latest=false leaves the simulator's latest value alone (production)")
	fs.StringVar(&cfg.report, "report", "", "write the replay's JSON report to this file")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if cfg.user == "" {
		cfg.user = getenv("SMOKE_SIM_USER")
	}
	if cfg.user == "" {
		cfg.user = "simulator"
	}
	if cfg.password == "" {
		cfg.password = getenv("SMOKE_SIM_PASSWORD")
	}
	u, err := url.Parse(strings.TrimRight(base, "/"))
	switch {
	case base == "":
		return cfg, errors.New("-base is required")
	case err != nil:
		return cfg, fmt.Errorf("-base: %w", err)
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return cfg, fmt.Errorf("-base %q: want https://host[:port]", base)
	case u.Path != "" || u.RawQuery != "" || u.Fragment != "":
		return cfg, fmt.Errorf("-base %q: the gateway's root, without a path, query or fragment", base)
	case cfg.password == "":
		return cfg, errors.New("no simulator password: set -sim-password or SMOKE_SIM_PASSWORD")
	case cfg.insecure && ca != "":
		return cfg, errors.New("-insecure and -ca exclude each other")
	case cfg.timeout <= 0 || cfg.replayTimeout <= 0 || cfg.wait < 0:
		return cfg, errors.New("timeouts must be positive")
	case cfg.replayActions < 0:
		return cfg, errors.New("-replay-actions must not be negative")
	case cfg.replayActions > 0 && !cfg.latest:
		// The replay is the simulator's traffic, latest= included.
		return cfg, errors.New("-latest=false needs -replay-actions 0")
	}
	cfg.base = u
	if ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return cfg, fmt.Errorf("-ca: %w", err)
		}
		cfg.roots = x509.NewCertPool()
		if !cfg.roots.AppendCertsFromPEM(pem) {
			return cfg, fmt.Errorf("-ca %s: no PEM certificate in it", ca)
		}
	}
	return cfg, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "smoke:", err)
		return exitUsage
	}
	s := newSmoke(cfg, stdout)
	fmt.Fprintf(stdout, "smoke: %s as run %s\n", cfg.base, s.runID)
	s.health(ctx)
	s.contract(ctx)
	if cfg.replayActions > 0 {
		s.replay(ctx)
	}
	failed := 0
	for _, r := range s.results {
		if r.err != nil {
			failed++
		}
	}
	if ctx.Err() != nil {
		fmt.Fprintf(stdout, "FAIL: interrupted after %d checks\n", len(s.results))
		return exitFail
	}
	if failed > 0 {
		fmt.Fprintf(stdout, "FAIL: %d of %d checks failed\n", failed, len(s.results))
		return exitFail
	}
	fmt.Fprintf(stdout, "PASS: %d checks\n", len(s.results))
	return exitOK
}
