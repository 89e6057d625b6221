// Package httpserver holds what every MiniTwit service shares around HTTP:
// server timeouts, graceful shutdown, health endpoints and the middleware
// for request ids, access logs, metrics and body limits.
package httpserver

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/sirupsen/logrus"

	"minitwit/shared/metrics"
)

// MaxBodyBytes bounds every request body (1 MiB).
const MaxBodyBytes = 1 << 20

// ShutdownTimeout is how long in-flight requests get to finish after SIGTERM.
const ShutdownTimeout = 20 * time.Second

// New returns a server with explicit timeouts.
func New(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       90 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

// Serve runs every server until ctx is cancelled, then shuts them down,
// letting in-flight requests finish. A server that fails to start ends all.
func Serve(ctx context.Context, log *logrus.Entry, servers ...*http.Server) error {
	errc := make(chan error, len(servers))
	for _, s := range servers {
		ln, err := net.Listen("tcp", s.Addr)
		if err != nil {
			return err
		}
		log.WithField("addr", ln.Addr().String()).Info("listening")
		go func(s *http.Server, ln net.Listener) {
			if err := s.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}(s, ln)
	}
	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down: finishing in-flight requests")
	case runErr = <-errc:
		log.WithError(runErr).Error("server failed")
	}
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	for _, s := range servers {
		if err := s.Shutdown(sctx); err != nil {
			log.WithError(err).Warn("shutdown")
		}
	}
	log.Info("stopped")
	return runErr
}

// ServeWithMetrics serves h on addr and, when metricsAddr is set, the
// registry's /metrics on that internal listener, until ctx is cancelled.
func ServeWithMetrics(ctx context.Context, log *logrus.Entry, addr, metricsAddr string, h http.Handler, m *metrics.Metrics) error {
	servers := []*http.Server{New(addr, h)}
	if metricsAddr != "" {
		servers = append(servers, MetricsServer(metricsAddr, m))
	}
	return Serve(ctx, log, servers...)
}
