package main

import (
	"context"
	"io"
	"minitwit/shared/service"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// run is what the binary runs, with the arguments after its name.
func run(ctx context.Context, args []string) error {
	return service.Run(ctx, defaults, args, serve)
}

func setEnv(t *testing.T) (addr, metricsAddr string) {
	addr, metricsAddr = freeAddr(t), freeAddr(t)
	t.Setenv("DATABASE_URL", filepath.Join(t.TempDir(), "web.db"))
	t.Setenv("ADDR", addr)
	t.Setenv("METRICS_ADDR", metricsAddr)
	t.Setenv("FOLLOWER_URL", "")
	t.Setenv("SESSION_KEY", "")
	t.Setenv("BCRYPT_COST", "4")
	t.Setenv("LOG_LEVEL", "error")
	return addr, metricsAddr
}

func TestMigrateCommand(t *testing.T) {
	setEnv(t)
	ctx := context.Background()
	if err := run(ctx, []string{"migrate"}); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"migrate", "status"}); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"frobnicate"}); err == nil {
		t.Error("an unknown command succeeded")
	}
}

func TestShortSessionKeyRefused(t *testing.T) {
	setEnv(t)
	t.Setenv("SESSION_KEY", "short")
	if err := run(context.Background(), []string{"migrate"}); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "session key") {
		t.Errorf("run with a 5-byte key: %v", err)
	}
}

// A web replica told to use the follower service over HTTP refuses to
// start without the follower token; it names the variable to set.
func TestFollowerURLNeedsToken(t *testing.T) {
	setEnv(t)
	t.Setenv("FOLLOWER_URL", "http://127.0.0.1:1")
	t.Setenv("FOLLOWER_TOKEN", "")
	t.Setenv("FOLLOWER_TOKEN_FILE", "")
	if err := run(context.Background(), []string{"migrate"}); err != nil {
		t.Fatal(err)
	}
	// A cancelled context: a binary that wrongly starts stops at once
	// instead of serving until the test times out.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := run(ctx, nil); err == nil || !strings.Contains(err.Error(), "FOLLOWER_TOKEN") {
		t.Errorf("run with FOLLOWER_URL and no token: %v, want an error naming FOLLOWER_TOKEN", err)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// The binary serves the UI, health and a 404 page on its listener, metrics
// on the other, and stops cleanly when its context ends.
func TestServes(t *testing.T) {
	addr, metricsAddr := setEnv(t)
	if err := run(context.Background(), []string{"migrate"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("run did not stop")
		}
	}()
	base := "http://" + addr
	deadline := time.Now().Add(10 * time.Second)
	for {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("web did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	tests := []struct {
		url    string
		status int
		want   string
	}{
		{base + "/readyz", 200, `"ready"`},
		{base + "/public", 200, "<title>Public Timeline | MiniTwit</title>"},
		{base + "/nobody/at/all", 404, "<title>Page Not Found | MiniTwit</title>"},
		{base + "/metrics", 404, ""},
		{"http://" + metricsAddr + "/metrics", 200, `minitwit_http_requests_total{method="GET",route="/public",service="web",status="200"} 1`},
	}
	for _, tt := range tests {
		status, body := get(t, tt.url)
		if status != tt.status || !strings.Contains(body, tt.want) {
			t.Errorf("GET %s: %d, want %d with %q", tt.url, status, tt.status, tt.want)
		}
	}
}
