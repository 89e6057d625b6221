// Command scenariogen writes a deterministic, realistic simulator scenario
// (see docs/replay.md) for cmd/replay to send to the API.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"minitwit/tools/scenario"
	"minitwit/tools/scenario/gen"
)

func main() {
	err := run(os.Args[1:], os.Stdout)
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case err != nil:
		fmt.Fprintln(os.Stderr, "scenariogen:", err)
		os.Exit(2)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("scenariogen", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: scenariogen [-users N] [-actions N] [-seed N] [-delay-mean D] [-start RFC3339] [-first-id N] [-o file]\n")
		fs.PrintDefaults()
	}
	users := fs.Int("users", 300, "number of distinct users to register")
	actions := fs.Int("actions", 10000, "number of actions (lines) to write")
	seed := fs.Uint64("seed", 1, "random seed; the same flags and seed give the same file")
	delayMean := fs.Duration("delay-mean", 0, "mean pause before each action (e.g. 100ms); 0 writes no pauses")
	start := fs.String("start", "2024-01-01T00:00:00Z", "when the recorded session starts (RFC 3339); timestamps advance from here")
	firstID := fs.Int64("first-id", 1, "id of the first action")
	outPath := fs.String("o", "-", "output file; - is standard output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	t0, err := time.Parse(time.RFC3339Nano, *start)
	if err != nil {
		return fmt.Errorf("-start: %w", err)
	}
	acts, err := gen.Generate(gen.Options{
		Users: *users, Actions: *actions, Seed: *seed, FirstID: *firstID,
		Start: t0, DelayMean: *delayMean,
	})
	if err != nil {
		return err
	}
	if *outPath == "-" {
		return write(stdout, acts)
	}
	f, err := os.Create(*outPath)
	if err != nil {
		return err
	}
	if err := write(f, acts); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func write(w io.Writer, acts []scenario.Action) error {
	sw := scenario.NewWriter(w)
	if err := sw.WriteHeader(); err != nil {
		return err
	}
	for _, a := range acts {
		if err := sw.Write(a); err != nil {
			return err
		}
	}
	return sw.Flush()
}
