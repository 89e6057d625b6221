// Package replay sends simulator scenario actions (minitwit/tools/scenario)
// to the MiniTwit API exactly as the course simulator does, judges every
// answer by the API contract, reads back a sample of the results and
// collects latency figures. cmd/replay is its command line (docs/replay.md);
// cmd/smoke runs a short replay as part of the post-deploy smoke test.
package replay

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"minitwit/tools/scenario"
)

// Options say where and how to replay. Zero durations are not defaults:
// the caller sets every field it needs.
type Options struct {
	// Base is the API base URL; paths are appended to it.
	Base           string
	User, Password string
	// Timeout bounds each action's request, CheckTimeout each read-back.
	Timeout, CheckTimeout time.Duration
	// Delays honours each action's scenario delay.
	Delays bool
	// Insecure accepts any TLS certificate; RootCAs, when set, replaces
	// the system's roots.
	Insecure bool
	RootCAs  *x509.CertPool
	// Fresh asserts the database started empty (docs/replay.md, -fresh).
	Fresh bool
	// Check is the number of users whose messages and follows are read back.
	Check int
	// Progress prints a progress line on stderr every Progress actions (0: none).
	Progress int
	// Scenario names the scenario in the report (a file name, or a description).
	Scenario string
}

// Report is what a replay found; cmd/replay writes it as its -report JSON.
type Report struct {
	Base             string      `json:"base"`
	Scenario         string      `json:"scenario"`
	Planned          int         `json:"actions_planned"`
	Sent             int         `json:"actions_sent"`
	Errors           int         `json:"errors"`
	Interrupted      bool        `json:"interrupted"`
	WallSeconds      float64     `json:"wall_seconds"`
	DelaySeconds     float64     `json:"delay_seconds"`
	ActionsPerSecond float64     `json:"actions_per_second"`
	PerAction        []KindStats `json:"per_action"`
	Checks           *Checks     `json:"checks"`
	ErrorLines       []string    `json:"error_lines"`
	Pass             bool        `json:"pass"`
}

// Run sends acts one after another, then (unless ctx was cancelled or
// nothing was sent) checks /latest and reads back Check users. Each error
// is printed on stdout as it happens and progress on stderr; the summary is
// left to the caller (PrintSummary). The report passes only if every
// action was sent and answered as expected and every check held.
func Run(ctx context.Context, o Options, acts []scenario.Action, stdout, stderr io.Writer) Report {
	r := &replayer{
		c:        newClient(o, o.Timeout),
		fresh:    o.Fresh,
		delays:   o.Delays,
		progress: o.Progress,
		stdout:   stdout,
		stderr:   stderr,
		stats:    newStats(),
		model:    newModel(),
	}
	start := time.Now()
	r.run(ctx, acts)
	wall := time.Since(start)

	ch := &Checks{}
	if r.sent > 0 && ctx.Err() == nil {
		cc := newClient(o, o.CheckTimeout)
		checkLatest(ctx, cc, r.lastID, ch)
		spotCheck(ctx, cc, r.model, o.Check, o.Fresh, ch)
	}

	rep := Report{
		Base: o.Base, Scenario: o.Scenario, Planned: len(acts), Sent: r.sent, Errors: r.errors,
		Interrupted: r.interrupted, WallSeconds: wall.Seconds(), DelaySeconds: r.delayed.Seconds(),
		PerAction: r.stats.rows(), Checks: ch, ErrorLines: r.errorLines,
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
	return rep
}

// PrintSummary writes the latency table, the throughput, the read-back
// figures and the PASS/FAIL line; inFile is the number of actions the
// scenario file holds (before any limit).
func PrintSummary(w io.Writer, rep Report, inFile int) {
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

// WriteReport writes rep as indented JSON to path.
func WriteReport(path string, rep Report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
