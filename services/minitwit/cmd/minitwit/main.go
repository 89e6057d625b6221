// Command minitwit runs the whole system in one process for local use: the
// web UI at /, the simulator API at /api/ and the follower graph in-process,
// on one listener. It applies pending schema migrations at start (the split
// deployment runs "migrate" once instead). "minitwit migrate [up|status]"
// only migrates; "minitwit healthcheck" probes the running server's /startedz.
package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/gin-gonic/gin"

	"minitwit/api/apihttp"
	"minitwit/shared/domain"
	"minitwit/shared/httpserver"
	"minitwit/shared/service"
	"minitwit/web/webui"
)

// defaults name the service on logs and metrics and give its listen
// addresses when ADDR and METRICS_ADDR are unset.
var defaults = service.Defaults{Name: "minitwit", Addr: "127.0.0.1:8080", MetricsAddr: "127.0.0.1:9080"}

func main() { service.Main(defaults, serve) }

// serve migrates the database and wires the web UI and the API on it, with
// the follower graph in-process, behind one router.
func serve(ctx context.Context, b *service.Base) error {
	applied, err := b.Store.Migrate(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if len(applied) > 0 {
		b.Log.WithField("versions", applied).Info("applied schema migrations")
	}

	web, err := webui.FromConfig(b.Config, b.Store, b.Store, b.Log, b.Metrics)
	if err != nil {
		return err
	}
	api := apihttp.FromConfig(b.Config, b.Store, b.Store, b.Log, b.Metrics)

	r := httpserver.NewEngine("minitwit", b.Log, b.Metrics, func(c *gin.Context) {
		if isAPI(c) {
			api.InternalError(c)
			return
		}
		web.InternalError(c)
	})
	httpserver.MountHealth(r, map[string]domain.Pinger{"database": b.Store})
	api.Mount(r.Group("/api"))
	web.Mount(r)
	r.NoRoute(func(c *gin.Context) {
		if isAPI(c) {
			api.NotFound(c)
			return
		}
		web.NotFound(c)
	})

	return b.Serve(ctx, r)
}

func isAPI(c *gin.Context) bool {
	return strings.HasPrefix(c.Request.URL.Path, "/api/")
}
