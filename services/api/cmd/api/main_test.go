package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"minitwit/shared/service"
)

// An api replica told to use the follower service over HTTP refuses to
// start without the follower token (it would fail every follow call); it
// names the variable to set.
func TestFollowerURLNeedsToken(t *testing.T) {
	for k, v := range map[string]string{
		"DATABASE_URL": filepath.Join(t.TempDir(), "api.db"), "ADDR": "127.0.0.1:0", "METRICS_ADDR": "",
		"LOG_LEVEL": "error", "FOLLOWER_URL": "http://127.0.0.1:1", "FOLLOWER_TOKEN": "", "FOLLOWER_TOKEN_FILE": "",
	} {
		t.Setenv(k, v)
	}
	if err := service.Run(context.Background(), defaults, []string{"migrate"}, serve); err != nil {
		t.Fatal(err)
	}
	// A cancelled context: a binary that wrongly starts stops at once
	// instead of serving until the test times out.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := service.Run(ctx, defaults, nil, serve); err == nil || !strings.Contains(err.Error(), "FOLLOWER_TOKEN") {
		t.Errorf("run with FOLLOWER_URL and no token: %v, want an error naming FOLLOWER_TOKEN", err)
	}
}
