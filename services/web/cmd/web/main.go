// Command web serves MiniTwit's web pages. "web migrate" applies pending
// schema steps; "web healthcheck" exits 0 when the running server's /readyz
// answers 200 (the image's HEALTHCHECK).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"minitwit/shared/httpserver"
	"minitwit/shared/service"
	"minitwit/web/webui"
)

// commit is set at build time with -ldflags "-X main.commit=...".
var commit = "unknown"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "web:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	base, done, err := service.Start(ctx, service.Defaults{
		Name: "web", Addr: "127.0.0.1:8081", MetricsAddr: "127.0.0.1:9081", Commit: commit,
	}, args)
	if done || err != nil {
		return err
	}
	cfg, log, st, m := base.Config, base.Log, base.Store, base.Metrics
	defer st.Close()

	ready := base.Readiness()
	follows := base.Follows(ready)
	h, err := webui.FromConfig(cfg, st, follows, log, m)
	if err != nil {
		return err
	}
	r := httpserver.NewEngine("web", log, m, h.InternalError)
	httpserver.MountHealth(r, ready)
	h.Mount(r)
	r.NoRoute(h.NotFound)

	return httpserver.ServeWithMetrics(ctx, log, cfg.Addr, cfg.MetricsAddr, r, m)
}
