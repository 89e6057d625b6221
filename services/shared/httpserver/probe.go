package httpserver

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// Probe asks the server listening on addr for path and fails unless it
// answers 200. It backs the "healthcheck" subcommand that container
// HEALTHCHECKs run, so images need no shell or curl. An unspecified host
// (":8081", "0.0.0.0:8081") is probed on loopback.
func Probe(ctx context.Context, addr, path string, timeout time.Duration) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("bad listen address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %d", path, resp.StatusCode)
	}
	return nil
}
