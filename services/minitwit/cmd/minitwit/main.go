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

	"github.com/gin-gonic/gin"

	"minitwit/api/apihttp"
	"minitwit/shared/domain"
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
		fmt.Fprintln(os.Stderr, "minitwit:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	base, done, err := service.Start(ctx, service.Defaults{
		Name: "minitwit", Addr: "127.0.0.1:8080", MetricsAddr: "127.0.0.1:9080", Commit: commit,
	}, args)
	if done || err != nil {
		return err
	}
	cfg, log, st, m := base.Config, base.Log, base.Store, base.Metrics
	defer st.Close()

	applied, err := st.Migrate(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if len(applied) > 0 {
		log.WithField("versions", applied).Info("applied schema migrations")
	}

	// The follower graph is the database itself: no follower service here.
	web, err := webui.FromConfig(cfg, st, st, log, m)
	if err != nil {
		return err
	}
	api := apihttp.FromConfig(cfg, st, st, log, m)

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
