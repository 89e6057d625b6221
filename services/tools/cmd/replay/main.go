// Command replay sends a scenario file (see docs/replay.md) to the MiniTwit
// simulator API exactly as the course simulator does, counts every answer
// the simulator would log as an error, reads back a sample of the results
// and prints latency figures.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

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

// report is the -report JSON document.
type report struct {
	Base             string      `json:"base"`
	Scenario         string      `json:"scenario"`
	Planned          int         `json:"actions_planned"`
	Sent             int         `json:"actions_sent"`
	Errors           int         `json:"errors"`
	Interrupted      bool        `json:"interrupted"`
	WallSeconds      float64     `json:"wall_seconds"`
	DelaySeconds     float64     `json:"delay_seconds"`
	ActionsPerSecond float64     `json:"actions_per_second"`
	PerAction        []kindStats `json:"per_action"`
	Checks           *checks     `json:"checks"`
	ErrorLines       []string    `json:"error_lines"`
	Pass             bool        `json:"pass"`
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

	r := &replayer{
		c:        newClient(cfg.base, cfg.user, cfg.password, cfg.timeout, cfg.insecure),
		fresh:    cfg.fresh,
		delays:   cfg.delays,
		progress: cfg.progress,
		stdout:   stdout,
		stderr:   stderr,
		stats:    newStats(),
		model:    newModel(),
	}
	start := time.Now()
	r.run(ctx, acts)
	wall := time.Since(start)

	ch := &checks{}
	if r.sent > 0 && ctx.Err() == nil {
		cc := newClient(cfg.base, cfg.user, cfg.password, cfg.checkTimeout, cfg.insecure)
		checkLatest(ctx, cc, r.lastID, ch)
		spotCheck(ctx, cc, r.model, cfg.check, cfg.fresh, ch)
	}

	rows := r.stats.rows()
	rep := report{
		Base: cfg.base, Scenario: cfg.path, Planned: len(acts), Sent: r.sent, Errors: r.errors,
		Interrupted: r.interrupted, WallSeconds: wall.Seconds(), DelaySeconds: r.delayed.Seconds(),
		PerAction: rows, Checks: ch, ErrorLines: r.errorLines,
		Pass: r.errors == 0 && len(ch.Failures) == 0 && !r.interrupted && r.sent == len(acts),
	}
	if wall > 0 {
		rep.ActionsPerSecond = float64(r.sent) / wall.Seconds()
	}
	if rep.ErrorLines == nil {
		rep.ErrorLines = []string{}
	}
	if ch.Failures == nil {
		ch.Failures = []string{}
	}
	printSummary(stdout, rep, planned)
	if cfg.report != "" {
		if err := writeReport(cfg.report, rep); err != nil {
			fmt.Fprintln(stderr, "replay: -report:", err)
			return exitFail
		}
	}
	if !rep.Pass {
		return exitFail
	}
	return exitOK
}

func printSummary(w io.Writer, rep report, inFile int) {
	fmt.Fprintln(w)
	printTable(w, rep.PerAction)
	fmt.Fprintf(w, "\nsent %d of %d actions (file has %d) in %.1fs: %.1f actions/s", rep.Sent, rep.Planned, inFile, rep.WallSeconds, rep.ActionsPerSecond)
	if rep.DelaySeconds > 0 {
		fmt.Fprintf(w, " (%.1fs of it scenario delays)", rep.DelaySeconds)
	}
	fmt.Fprintln(w)
	ch := rep.Checks
	switch {
	case ch.LatestGot != nil && *ch.LatestGot == ch.LatestWant:
		fmt.Fprintf(w, "latest: %d, as sent\n", ch.LatestWant)
	case rep.Sent == 0 || rep.Interrupted:
		fmt.Fprintln(w, "latest: not checked")
	}
	if len(ch.Users) > 0 {
		fmt.Fprintf(w, "read-back: %d users, %d message lists (%d messages), %d follow lists (%d pairs)\n",
			len(ch.Users), ch.MessageLists, ch.Messages, ch.FollowLists, ch.FollowPairs)
	}
	for _, f := range ch.Failures {
		fmt.Fprintln(w, "CHECK FAILED:", f)
	}
	switch {
	case rep.Pass:
		fmt.Fprintln(w, "PASS: 0 errors")
	case rep.Interrupted:
		fmt.Fprintf(w, "FAIL: interrupted after %d actions, %d errors, %d failed checks\n", rep.Sent, rep.Errors, len(ch.Failures))
	default:
		fmt.Fprintf(w, "FAIL: %d errors, %d failed checks\n", rep.Errors, len(ch.Failures))
	}
}

func writeReport(path string, rep report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
