// Command follower serves the follower graph: the only writer of
// who-follows-whom. "follower migrate" applies pending schema steps;
// "follower healthcheck" exits 0 when the running server's /startedz answers
// 200 (the image's HEALTHCHECK).
package main

import (
	"context"

	"minitwit/follower/followhttp"
	"minitwit/shared/httpserver"
	"minitwit/shared/service"
)

// defaults name the service on logs and metrics and give its listen
// addresses when ADDR and METRICS_ADDR are unset.
var defaults = service.Defaults{Name: "follower", Addr: "127.0.0.1:8083", MetricsAddr: "127.0.0.1:9083"}

func main() { service.Main(defaults, serve) }

// serve wires the follower graph's HTTP service on the prelude's
// configuration, logger, database and metrics. It refuses to start without
// FOLLOWER_TOKEN: the follower API accepts only callers holding it.
func serve(ctx context.Context, b *service.Base) error {
	tokens, err := b.FollowerTokens()
	if err != nil {
		return err
	}
	r := httpserver.NewEngine("follower", b.Log, b.Metrics, followhttp.Internal)
	httpserver.MountHealth(r, b.Readiness())
	(&followhttp.Handler{Svc: b.Store, Log: b.Log, Metrics: b.Metrics, Tokens: tokens}).Mount(r)

	return b.Serve(ctx, r)
}
