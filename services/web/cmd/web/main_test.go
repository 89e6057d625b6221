package main

import (
	"context"
	"io"
	"minitwit/shared/service"
	"minitwit/shared/service/servicetest"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// run is what the binary runs, with the arguments after its name.
func run(ctx context.Context, args []string) error {
	return service.Run(ctx, defaults, args, serve)
}

func setEnv(t *testing.T) (addr, metricsAddr string) {
	addr, metricsAddr = servicetest.FreeAddr(t), servicetest.FreeAddr(t)
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
	servicetest.Serve(t, run, addr)
	base := "http://" + addr
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
