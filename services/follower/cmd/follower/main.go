// Command follower serves the follower graph: the only writer of
// who-follows-whom. "follower migrate" applies pending schema steps;
// "follower healthcheck" exits 0 when the running server's /readyz answers
// 200 (the image's HEALTHCHECK).
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"minitwit/follower/followhttp"
	"minitwit/shared/config"
	"minitwit/shared/domain"
	"minitwit/shared/httpserver"
	"minitwit/shared/logging"
	"minitwit/shared/metrics"
	"minitwit/shared/store"
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
	cfg, err := config.Load("127.0.0.1:8083", "127.0.0.1:9083")
	if err != nil {
		return err
	}
	if len(args) > 0 && args[0] == "healthcheck" {
		return httpserver.Probe(ctx, cfg.Addr, "/readyz", 2*time.Second)
	}
	log, err := logging.New(os.Stdout, "follower", cfg.LogLevel)
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
		m.WatchDB(sqlDB, "follower")
	}
	r := httpserver.NewEngine("follower", log, m, func(c *gin.Context) {
		c.JSON(http.StatusInternalServerError, gin.H{"kind": "internal", "message": "internal error"})
	})
	httpserver.MountHealth(r, map[string]domain.Pinger{"database": st, "schema": store.SchemaCheck{Store: st}})
	(&followhttp.Handler{Svc: st, Log: log, Metrics: m}).Mount(r)

	return httpserver.ServeWithMetrics(ctx, log, cfg.Addr, cfg.MetricsAddr, r, m)
}
