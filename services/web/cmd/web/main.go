// Command web serves MiniTwit's web pages. "web migrate" applies pending
// schema steps; "web healthcheck" exits 0 when the running server's /startedz
// answers 200 (the image's HEALTHCHECK).
package main

import (
	"context"

	"minitwit/shared/httpserver"
	"minitwit/shared/service"
	"minitwit/web/webui"
)

// defaults name the service on logs and metrics and give its listen
// addresses when ADDR and METRICS_ADDR are unset.
var defaults = service.Defaults{Name: "web", Addr: "127.0.0.1:8081", MetricsAddr: "127.0.0.1:9081"}

func main() { service.Main(defaults, serve) }

// serve wires the web UI on the prelude's configuration, logger, database
// and metrics: the follower graph (the follower service or the database),
// the handler, the router.
func serve(ctx context.Context, b *service.Base) error {
	follows, ready, err := b.FollowGraph()
	if err != nil {
		return err
	}
	h, err := webui.FromConfig(b.Config, b.Store, follows, b.Log, b.Metrics)
	if err != nil {
		return err
	}
	r := httpserver.NewEngine("web", b.Log, b.Metrics, h.InternalError)
	httpserver.MountHealth(r, ready)
	h.Mount(r)
	r.NoRoute(h.NotFound)

	return b.Serve(ctx, r)
}
