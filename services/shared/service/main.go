package service

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"minitwit/shared/httpserver"
)

// Main is a binary's main function: Run under a context that SIGINT and
// SIGTERM cancel, so that servers finish in-flight requests, and exit
// status 1 with the error under the binary's name.
func Main(d Defaults, serve func(context.Context, *Base) error) {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := Run(ctx, d, os.Args[1:], serve)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", d.Name, err)
		os.Exit(1)
	}
}

// Run is Start and then, unless args named a subcommand, serve: the
// binary's own wiring on the Base, until ctx ends. The database is closed
// after.
func Run(ctx context.Context, d Defaults, args []string, serve func(context.Context, *Base) error) error {
	b, done, err := Start(ctx, d, args)
	if done || err != nil {
		return err
	}
	defer b.Store.Close()
	return serve(ctx, b)
}

// Serve serves h on the configured address and the metrics registry on
// the metrics address until ctx ends.
func (b *Base) Serve(ctx context.Context, h http.Handler) error {
	return httpserver.ServeWithMetrics(ctx, b.Log, b.Config.Addr, b.Config.MetricsAddr, h, b.Metrics)
}
