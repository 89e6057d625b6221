// Package servicetest runs a service binary's run function inside a test:
// the binaries' own tests (cmd/web, cmd/follower, ...) start the real
// server on loopback ports, talk to it and stop it.
package servicetest

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"
)

// Run is a binary's entry point: service.Run with its defaults and serve.
type Run func(ctx context.Context, args []string) error

// FreeAddr returns a loopback address with a port nobody listens on.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Serve migrates, then runs the server until the test ends, and returns
// once http://addr/healthz answers. At the end of the test the server must
// stop cleanly within 30 s of its context ending.
func Serve(t testing.TB, run Run, addr string) {
	t.Helper()
	if err := run(context.Background(), []string{"migrate"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("run did not stop")
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case err := <-done:
			t.Fatalf("the server stopped before it answered: %v", err)
		default:
		}
		if res, err := http.Get("http://" + addr + "/healthz"); err == nil {
			res.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing answered on %s within 10 s", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
