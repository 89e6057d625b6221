package main

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// probe is one health endpoint as the gateway exposes it: the gateway's
// own /healthz, and the services' /healthz and /readyz behind its routes
// (/api/... goes to the api with the prefix cut, everything else to web).
// The follower has no route through the gateway; the api and web readiness
// include it (they are ready only when the follower answers them).
type probe struct {
	name, path, status string
}

var probes = []probe{
	{"gateway /healthz", "/healthz", "ok"},
	{"api /healthz via /api/healthz", "/api/healthz", "ok"},
	{"api readiness via /api/readyz", "/api/readyz", "ready"},
	{"web readiness via /readyz", "/readyz", "ready"},
}

// pollEvery is the pause between attempts while a probe fails.
const pollEvery = time.Second

// health checks every probe, retrying each until it passes or -wait is
// over: a deploy that has just converged may still be connecting.
func (s *smoke) health(ctx context.Context) {
	deadline := time.Now().Add(s.cfg.wait)
	for _, p := range probes {
		s.check(p.name, func() error {
			for {
				err := s.probe(ctx, p)
				if err == nil || ctx.Err() != nil || !time.Now().Before(deadline) {
					return err
				}
				t := time.NewTimer(pollEvery)
				select {
				case <-ctx.Done():
					t.Stop()
				case <-t.C:
				}
			}
		})
	}
}

func (s *smoke) probe(ctx context.Context, p probe) error {
	a, err := s.do(ctx, http.MethodGet, p.path, nil, noAuth, nil)
	if err != nil {
		return err
	}
	var got struct{ Status string }
	if err := expectJSON(a, http.StatusOK, &got); err != nil {
		return err
	}
	if got.Status != p.status {
		return fmt.Errorf("status %q, want %q (%s)", got.Status, p.status, a)
	}
	return nil
}
