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
	"time"

	"minitwit/shared/config"
	"minitwit/shared/domain"
	"minitwit/shared/followclient"
	"minitwit/shared/httpserver"
	"minitwit/shared/logging"
	"minitwit/shared/metrics"
	"minitwit/shared/password"
	"minitwit/shared/store"
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
	cfg, err := config.Load("127.0.0.1:8081", "127.0.0.1:9081")
	if err != nil {
		return err
	}
	if len(args) > 0 && args[0] == "healthcheck" {
		return httpserver.Probe(ctx, cfg.Addr, "/readyz", 2*time.Second)
	}
	log, err := logging.New(os.Stdout, "web", cfg.LogLevel)
	if err != nil {
		return err
	}
	st, err := store.Open(cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	if len(args) > 0 {
		return store.RunCommand(ctx, st, args, os.Stdout)
	}
	log.WithField("config", cfg.String()).Info("starting")

	m := metrics.New(cfg.Version, commit)
	if sqlDB, err := st.DB().DB(); err == nil {
		m.WatchDB(sqlDB, "web")
	}
	pingers := map[string]domain.Pinger{"database": st, "schema": store.SchemaCheck{Store: st}}
	var follows domain.FollowService = st
	if cfg.FollowerURL != "" {
		fc := followclient.New(cfg.FollowerURL)
		follows = fc
		pingers["follower"] = fc
	}
	key, err := webui.SessionKey(cfg.SessionKey, log)
	if err != nil {
		return err
	}
	h, err := webui.New(webui.Deps{
		Users:      st,
		Messages:   st,
		Follows:    follows,
		Hasher:     password.Hasher{Cost: cfg.BcryptCost},
		SessionKey: key,
		Log:        log,
		Metrics:    m,
	})
	if err != nil {
		return err
	}
	r := httpserver.NewEngine("web", log, m, h.InternalError)
	httpserver.MountHealth(r, pingers)
	h.Mount(r)
	r.NoRoute(h.NotFound)

	return httpserver.ServeWithMetrics(ctx, log, cfg.Addr, cfg.MetricsAddr, r, m)
}
