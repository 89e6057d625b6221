// Command replay sends a scenario file (see docs/replay.md) to the MiniTwit
// simulator API exactly as the course simulator does, counts every answer
// the simulator would log as an error, reads back a sample of the results
// and prints latency figures.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"minitwit/tools/replay"
	"minitwit/tools/scenario"
)

// Exit codes: 0 every action answered as expected and every check passed;
// 1 at least one error or failed check (or interrupted); 2 the replay could
// not start (bad flags, unreadable scenario).
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

type config struct {
	base         string
	user         string
	password     string
	timeout      time.Duration
	delays       bool
	insecure     bool
	report       string
	limit        int
	fresh        bool
	check        int
	checkTimeout time.Duration
	progress     int
	path         string
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: replay -base URL [flags] scenario.tsv")
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.base, "base", "", "API base URL, e.g. http://127.0.0.1:8080/api (required)")
	fs.StringVar(&cfg.user, "user", "simulator", "Basic auth user")
	fs.StringVar(&cfg.password, "password", "super_safe!", "Basic auth password")
	fs.DurationVar(&cfg.timeout, "timeout", 300*time.Millisecond, "per-request timeout, connect to last byte")
	fs.BoolVar(&cfg.delays, "delays", true, "pause before each action for its scenario delay; -delays=false sends back to back")
	fs.BoolVar(&cfg.insecure, "insecure", false, "accept any TLS certificate (the local gateway's self-signed one)")
	fs.StringVar(&cfg.report, "report", "", "write the figures as JSON to this file")
	fs.IntVar(&cfg.limit, "limit", 0, "replay only the first N actions (0: all)")
	fs.BoolVar(&cfg.fresh, "fresh", false, "the database starts empty: a 400 taken is an error unless this run registered the name, and follow lists must hold nothing else")
	fs.IntVar(&cfg.check, "check", 20, "after the replay, read back messages and follows of this many users (0: none)")
	fs.DurationVar(&cfg.checkTimeout, "check-timeout", 5*time.Second, "timeout of each read-back request")
	fs.IntVar(&cfg.progress, "progress", 1000, "print progress on stderr every N actions (0: never)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return cfg, err
	}
	if len(pos) != 1 {
		return cfg, errors.New("want exactly one scenario file argument")
	}
	cfg.path = pos[0]
	u, err := url.Parse(cfg.base)
	switch {
	case cfg.base == "":
		return cfg, errors.New("-base is required")
	case err != nil:
		return cfg, fmt.Errorf("-base: %w", err)
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return cfg, fmt.Errorf("-base %q: want http://host[:port][/path] or https://…", cfg.base)
	case u.RawQuery != "" || u.Fragment != "":
		return cfg, fmt.Errorf("-base %q: must not have a query or fragment", cfg.base)
	case cfg.timeout <= 0 || cfg.checkTimeout <= 0:
		return cfg, errors.New("timeouts must be positive")
	case cfg.limit < 0 || cfg.check < 0 || cfg.progress < 0:
		return cfg, errors.New("-limit, -check and -progress must not be negative")
	}
	return cfg, nil
}

// parseInterspersed lets flags follow the file name (replay -base U
// s.tsv -limit 10), which the flag package alone would take as arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func readScenario(path string) ([]scenario.Action, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	acts, err := scenario.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return acts, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "replay:", err)
		return exitUsage
	}
	acts, err := readScenario(cfg.path)
	if err != nil {
		fmt.Fprintln(stderr, "replay:", err)
		return exitUsage
	}
	planned := len(acts)
	if cfg.limit > 0 && cfg.limit < len(acts) {
		acts = acts[:cfg.limit]
	}
	fmt.Fprintf(stderr, "replay: %d actions from %s to %s\n", len(acts), cfg.path, cfg.base)

	rep := replay.Run(ctx, replay.Options{
		Base: cfg.base, User: cfg.user, Password: cfg.password,
		Timeout: cfg.timeout, CheckTimeout: cfg.checkTimeout,
		Delays: cfg.delays, Insecure: cfg.insecure, Fresh: cfg.fresh,
		Check: cfg.check, Progress: cfg.progress, Scenario: cfg.path,
	}, acts, stdout, stderr)
	replay.PrintSummary(stdout, rep, planned)
	if cfg.report != "" {
		if err := replay.WriteReport(cfg.report, rep); err != nil {
			fmt.Fprintln(stderr, "replay: -report:", err)
			return exitFail
		}
	}
	if !rep.Pass {
		return exitFail
	}
	return exitOK
}
