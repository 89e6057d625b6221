package store

import (
	"context"
	"fmt"
	"io"
	"time"
)

// RunCommand runs a schema subcommand shared by every service binary:
// "migrate" or "migrate up" applies pending steps, "migrate status" lists them.
func RunCommand(ctx context.Context, s *Store, args []string, out io.Writer) error {
	if args[0] != "migrate" {
		return fmt.Errorf("unknown command %q (known: migrate [up|status])", args[0])
	}
	sub := "up"
	if len(args) > 1 {
		sub = args[1]
	}
	switch sub {
	case "up":
		applied, err := s.Migrate(ctx)
		if err != nil {
			return err
		}
		if len(applied) == 0 {
			fmt.Fprintln(out, "schema is up to date")
		}
		for _, v := range applied {
			fmt.Fprintf(out, "applied migration %d\n", v)
		}
		// Users from before migration 3 (or imported) get their name keys.
		keys, err := s.BackfillNameKeys(ctx, 5000)
		if err != nil {
			return fmt.Errorf("name keys: %w", err)
		}
		if keys.Set > 0 || keys.Collided > 0 {
			fmt.Fprintf(out, "name keys: %d set, %d left empty (look-alikes of older users; minitwit-admin verify lists them)\n", keys.Set, keys.Collided)
		}
		return nil
	case "status":
		st, err := s.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		for _, m := range st {
			state := "pending"
			if m.AppliedAt != nil {
				state = "applied " + m.AppliedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(out, "%4d  %-45s %s\n", m.Version, m.Name, state)
		}
		return nil
	}
	return fmt.Errorf("unknown migrate subcommand %q (known: up, status)", sub)
}
