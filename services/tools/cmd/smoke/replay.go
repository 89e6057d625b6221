package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"minitwit/tools/replay"
	"minitwit/tools/scenario"
	"minitwit/tools/scenario/gen"
)

// replay sends a short generated simulator scenario through the gateway
// with the replay tool's rules (docs/replay.md): every answer as the
// contract says, /latest equal to the last id, a read-back of a sample of
// users. Its users carry the run id, so the database need not be empty.
func (s *smoke) replay(ctx context.Context) {
	n := s.cfg.replayActions
	name := fmt.Sprintf("replay of %d simulator actions", n)
	s.check(name, func() error {
		acts, err := gen.Generate(gen.Options{
			Users: max(2, n/10), Actions: max(2, n), Seed: rand.Uint64(),
			FirstID: s.nextID + 1, Start: time.Now().UTC(),
		})
		if err != nil {
			return err
		}
		tagUsers(acts, s.runID)
		rep := replay.Run(ctx, replay.Options{
			Base: s.cfg.base.String() + "/api", User: s.cfg.user, Password: s.cfg.password,
			Timeout: s.cfg.replayTimeout, CheckTimeout: s.cfg.timeout,
			Insecure: s.cfg.insecure, RootCAs: s.cfg.roots,
			Check: 10, Scenario: name,
		}, acts, s.out, io.Discard)
		s.nextID = acts[len(acts)-1].ID
		if s.cfg.report != "" {
			if err := replay.WriteReport(s.cfg.report, rep); err != nil {
				return fmt.Errorf("-report: %w", err)
			}
		}
		if !rep.Pass {
			return fmt.Errorf("%d of %d actions sent, %d errors, failed checks: %q", rep.Sent, rep.Planned, rep.Errors, rep.Checks.Failures)
		}
		return nil
	})
}

// tagUsers makes every username of the scenario unique to this run.
func tagUsers(acts []scenario.Action, runID string) {
	suffix := " ~smoke " + runID
	for i := range acts {
		acts[i].Username += suffix
		if acts[i].Other != "" {
			acts[i].Other += suffix
		}
	}
}
