// Command minitwit-admin runs MiniTwit's operator tasks against DATABASE_URL
// (a postgres:// URL or an SQLite path; DATABASE_PASSWORD[_FILE] as for the
// services): schema migrations, the import of a legacy database and its
// verification, moderation, ending a user's sessions, and a legacy database
// generator for drills.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"minitwit/minitwit/admin"
	"minitwit/shared/config"
	"minitwit/shared/store"
)

const usage = `usage: minitwit-admin COMMAND [ARGS]

Commands (DATABASE_URL names the database, as for the services):
  migrate [up|status]                  apply pending schema steps / list them
  import -legacy FILE [-batch 5000]    copy a legacy MiniTwit SQLite database in,
                                       resumable, then verify it
  verify -legacy FILE                  compare counts and checksums with a legacy database
  flag ID | unflag ID                  hide a message from every timeline / show it again
  messages USERNAME [-n 50]            a user's messages, newest first, flagged ones marked
  revoke-sessions USERNAME             sign a user out everywhere: end every web session
                                       of theirs and print how many ended
  gen-legacy -out FILE -users N -messages N [-follows N] [-seed N] [-real-cost]
                                       write a legacy database for drills (no DATABASE_URL)
  seed [-users 100000] [-messages 5000000] [-follows 1000000] [-years 3]
       [-password P] [-manifest FILE] [-force]
                                       fill an empty PostgreSQL database with a synthetic
                                       dataset for load tests; the manifest (JSON: sizes,
                                       the heavy follower, popular user, heavy author,
                                       sample users, password) goes to FILE or stdout;
                                       -force empties a non-empty database first
`

// errUsage marks a command line mistake: exit status 2 and the usage text.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, errUsage):
		fmt.Fprintf(os.Stderr, "minitwit-admin: %v\n\n%s", err, usage)
		os.Exit(2)
	default:
		fmt.Fprintf(os.Stderr, "minitwit-admin: error: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: no command", errUsage)
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "gen-legacy":
		return genLegacy(ctx, args, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	case "migrate", "import", "verify", "flag", "unflag", "messages", "seed", "revoke-sessions":
	default:
		return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
	}

	cfg, err := config.Load("", "")
	if err != nil {
		return err
	}
	st, err := store.Open(cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()

	switch cmd {
	case "migrate":
		return store.RunCommand(ctx, st, append([]string{"migrate"}, args...), stdout)
	case "import":
		return importLegacy(ctx, st, args, stderr)
	case "seed":
		return seed(ctx, st, cfg.BcryptCost, args, stdout, stderr)
	case "revoke-sessions":
		if len(args) != 1 {
			return fmt.Errorf("%w: revoke-sessions needs exactly one username", errUsage)
		}
		_, err := admin.RevokeSessions(ctx, st, args[0], stdout)
		return err
	case "verify":
		fs := newFlags("verify")
		legacy := fs.String("legacy", "", "legacy MiniTwit SQLite `file`")
		if err := parse(fs, args, 0); err != nil {
			return err
		}
		if *legacy == "" {
			return fmt.Errorf("%w: verify needs -legacy FILE", errUsage)
		}
		_, err := admin.Verify(ctx, *legacy, st, stdout)
		return err
	case "flag", "unflag":
		if len(args) != 1 {
			return fmt.Errorf("%w: %s needs exactly one message id", errUsage, cmd)
		}
		id, err := strconv.ParseInt(args[0], 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("%w: %q is not a message id", errUsage, args[0])
		}
		return admin.SetFlagged(ctx, st, id, cmd == "flag", stdout)
	default: // messages
		fs := newFlags("messages")
		n := fs.Int("n", 50, "at most `N` messages")
		if err := parse(fs, args, 1); err != nil {
			return err
		}
		if *n <= 0 {
			return fmt.Errorf("%w: -n must be positive", errUsage)
		}
		return admin.ListMessages(ctx, st, fs.Arg(0), *n, stdout)
	}
}

func importLegacy(ctx context.Context, st *store.Store, args []string, stderr io.Writer) error {
	fs := newFlags("import")
	legacy := fs.String("legacy", "", "legacy MiniTwit SQLite `file`")
	batch := fs.Int("batch", 5000, "rows per committed `batch`")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *legacy == "" || *batch <= 0 {
		return fmt.Errorf("%w: import needs -legacy FILE and a positive -batch", errUsage)
	}
	rep, err := admin.Import(ctx, *legacy, st, admin.ImportOptions{Batch: *batch, Progress: stderr})
	if ctx.Err() != nil {
		return fmt.Errorf("import interrupted (every committed batch is kept): run the same command again to resume")
	}
	if err != nil {
		return err
	}
	var total int64
	for _, n := range rep.Imported {
		total += n
	}
	fmt.Fprintf(stderr, "import OK: %d rows in %s (%.0f rows/s)\n",
		total, rep.Elapsed.Round(time.Millisecond), float64(total)/rep.Elapsed.Seconds())
	return nil
}

func seed(ctx context.Context, st *store.Store, cost int, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("seed")
	opt := admin.SeedOptions{Cost: cost, Progress: stderr}
	fs.Int64Var(&opt.Users, "users", 100_000, "number of users")
	fs.Int64Var(&opt.Messages, "messages", 5_000_000, "number of messages")
	fs.Int64Var(&opt.Follows, "follows", 1_000_000, "number of follow pairs")
	fs.Float64Var(&opt.Years, "years", 3, "messages spread over this many `years` ending now")
	fs.StringVar(&opt.Password, "password", "seed-password", "every seeded user's password")
	fs.BoolVar(&opt.Force, "force", false, "empty a database that already holds data")
	manifest := fs.String("manifest", "", "write the manifest to `file` instead of stdout")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	m, err := admin.Seed(ctx, st, opt)
	if ctx.Err() != nil {
		return fmt.Errorf("seed interrupted: nothing was kept")
	}
	if err != nil {
		return err
	}
	if *manifest == "" {
		return admin.WriteManifest(stdout, m)
	}
	f, err := os.Create(*manifest)
	if err != nil {
		return err
	}
	if err := admin.WriteManifest(f, m); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

func genLegacy(ctx context.Context, args []string, stderr io.Writer) error {
	fs := newFlags("gen-legacy")
	out := fs.String("out", "", "legacy database `file` to create")
	users := fs.Int("users", 1000, "number of users")
	messages := fs.Int("messages", 10000, "number of messages")
	follows := fs.Int("follows", 0, "follow rows, repeats included (default 5 per user)")
	seed := fs.Uint64("seed", 1, "random seed; the same seed writes the same rows")
	realCost := fs.Bool("real-cost", false, "give users 1 and 2 hashes at Werkzeug's default cost")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("%w: gen-legacy needs -out FILE", errUsage)
	}
	start := time.Now()
	err := admin.GenerateLegacy(ctx, *out, admin.GenOptions{
		Users: *users, Messages: *messages, Follows: *follows, Seed: *seed, RealCost: *realCost,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s: %d users, %d messages in %s\n", *out, *users, *messages, time.Since(start).Round(time.Millisecond))
	return nil
}

func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse reads flags before and after the positional arguments (so both
// "messages -n 5 bob" and "messages bob -n 5" work) and requires exactly
// positional of them.
func parse(fs *flag.FlagSet, args []string, positional int) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return fmt.Errorf("%w: %s: %v", errUsage, fs.Name(), err)
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != positional {
		return fmt.Errorf("%w: %s takes %d argument(s), got %d", errUsage, fs.Name(), positional, len(pos))
	}
	// Leave the positional arguments where fs.Arg finds them.
	return fs.Parse(append([]string{"--"}, pos...))
}
