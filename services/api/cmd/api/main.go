// Command api serves the public simulator API. "api migrate [up|status]"
// applies or lists schema steps; "api healthcheck" exits 0 when the running
// server's /startedz answers 200 (the image's HEALTHCHECK).
package main

import (
	"context"

	"minitwit/api/apihttp"
	"minitwit/shared/httpserver"
	"minitwit/shared/service"
)

// defaults name the service on logs and metrics and give its listen
// addresses when ADDR and METRICS_ADDR are unset.
var defaults = service.Defaults{Name: "api", Addr: "127.0.0.1:8082", MetricsAddr: "127.0.0.1:9082"}

func main() { service.Main(defaults, serve) }

// serve wires the simulator API on the prelude's configuration, logger,
// database and metrics: the follower graph (the follower service or the
// database), the handler, the router.
func serve(ctx context.Context, b *service.Base) error {
	follows, ready, err := b.FollowGraph()
	if err != nil {
		return err
	}
	h := apihttp.FromConfig(b.Config, b.Store, follows, b.Log, b.Metrics)
	r := httpserver.NewEngine("api", b.Log, b.Metrics, h.InternalError)
	httpserver.MountHealth(r, ready)
	h.Mount(r)
	r.NoRoute(h.NotFound)

	return b.Serve(ctx, r)
}
