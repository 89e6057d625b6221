// Command minitwit runs the whole system in one process for local use: the
// web UI at /, the simulator API at /api/ and the follower graph in-process,
// on one listener. It applies pending schema migrations at start (the split
// deployment runs "migrate" once instead). "minitwit migrate [up|status]"
// only migrates; "minitwit healthcheck" probes the running server's /readyz.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"minitwit/api/apihttp"
	"minitwit/shared/config"
	"minitwit/shared/domain"
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
		fmt.Fprintln(os.Stderr, "minitwit:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	cfg, err := config.Load("127.0.0.1:8080", "127.0.0.1:9080")
	if err != nil {
		return err
	}
	if len(args) > 0 && args[0] == "healthcheck" {
		return httpserver.Probe(ctx, cfg.Addr, "/readyz", 2*time.Second)
	}
	log, err := logging.New(os.Stdout, "minitwit", cfg.LogLevel)
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
	applied, err := st.Migrate(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if len(applied) > 0 {
		log.WithField("versions", applied).Info("applied schema migrations")
	}

	m := metrics.New(cfg.Version, commit)
	if sqlDB, err := st.DB().DB(); err == nil {
		m.WatchDB(sqlDB, "minitwit")
	}
	hasher := password.Hasher{Cost: cfg.BcryptCost}
	sessionKey, err := webui.SessionKey(cfg.SessionKey, log)
	if err != nil {
		return err
	}
	web, err := webui.New(webui.Deps{
		Users: st, Messages: st, Follows: st, Hasher: hasher,
		SessionKey: sessionKey, Log: log, Metrics: m,
	})
	if err != nil {
		return err
	}
	api := &apihttp.Handler{
		Users: st, Messages: st, Follows: st, Latest: st, Hasher: hasher,
		SimulatorUser: cfg.SimulatorUser, SimulatorPassword: cfg.SimulatorPassword,
		Log: log, Metrics: m,
	}

	r := httpserver.NewEngine("minitwit", log, m, func(c *gin.Context) {
		if isAPI(c) {
			api.InternalError(c)
			return
		}
		web.InternalError(c)
	})
	httpserver.MountHealth(r, map[string]domain.Pinger{"database": st})
	api.Mount(r.Group("/api"))
	web.Mount(r)
	r.NoRoute(func(c *gin.Context) {
		if isAPI(c) {
			api.NotFound(c)
			return
		}
		web.NotFound(c)
	})

	return httpserver.ServeWithMetrics(ctx, log, cfg.Addr, cfg.MetricsAddr, r, m)
}

func isAPI(c *gin.Context) bool {
	return strings.HasPrefix(c.Request.URL.Path, "/api/")
}
