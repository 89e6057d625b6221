// Command follower serves the follower graph: the only writer of
// who-follows-whom. "follower migrate" applies pending schema steps;
// "follower healthcheck" exits 0 when the running server's /readyz answers
// 200 (the image's HEALTHCHECK).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"minitwit/follower/followhttp"
	"minitwit/shared/httpserver"
	"minitwit/shared/service"
)

// commit is set at build time with -ldflags "-X main.commit=...".
var commit = "unknown"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "follower:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	base, done, err := service.Start(ctx, service.Defaults{
		Name: "follower", Addr: "127.0.0.1:8083", MetricsAddr: "127.0.0.1:9083", Commit: commit,
	}, args)
	if done || err != nil {
		return err
	}
	cfg, log, st, m := base.Config, base.Log, base.Store, base.Metrics
	defer st.Close()

	r := httpserver.NewEngine("follower", log, m, followhttp.Internal)
	httpserver.MountHealth(r, base.Readiness())
	(&followhttp.Handler{Svc: st, Log: log, Metrics: m}).Mount(r)

	return httpserver.ServeWithMetrics(ctx, log, cfg.Addr, cfg.MetricsAddr, r, m)
}
