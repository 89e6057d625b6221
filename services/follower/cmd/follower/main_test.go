package main

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"minitwit/shared/service"
	"minitwit/shared/service/servicetest"
)

const token = "follower-cmd-test-token-0123456789"

func run(ctx context.Context, args []string) error {
	return service.Run(ctx, defaults, args, serve)
}

func setEnv(t *testing.T) (addr, metricsAddr string) {
	addr, metricsAddr = servicetest.FreeAddr(t), servicetest.FreeAddr(t)
	for k, v := range map[string]string{
		"DATABASE_URL": filepath.Join(t.TempDir(), "follower.db"), "ADDR": addr, "METRICS_ADDR": metricsAddr,
		"LOG_LEVEL": "error", "FOLLOWER_TOKEN": "", "FOLLOWER_TOKEN_FILE": "",
		"FOLLOWER_TOKEN_PREVIOUS": "", "FOLLOWER_TOKEN_PREVIOUS_FILE": "",
	} {
		t.Setenv(k, v)
	}
	return addr, metricsAddr
}

// Without FOLLOWER_TOKEN the follower service refuses to start (its
// migrate step needs none).
func TestRefusesToStartWithoutToken(t *testing.T) {
	setEnv(t)
	if err := run(context.Background(), []string{"migrate"}); err != nil {
		t.Fatalf("migrate without a token: %v", err)
	}
	// A cancelled context: a binary that wrongly starts stops at once
	// instead of serving until the test times out.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := run(ctx, nil); err == nil || !strings.Contains(err.Error(), "FOLLOWER_TOKEN") {
		t.Errorf("run without FOLLOWER_TOKEN: %v, want an error naming it", err)
	}
}

// The running binary answers 401 on its API without the token and serves
// it with the token; health and metrics stay open.
func TestServesTokenHolders(t *testing.T) {
	addr, metricsAddr := setEnv(t)
	t.Setenv("FOLLOWER_TOKEN", token)
	servicetest.Serve(t, run, addr)
	base := "http://" + addr
	for _, tc := range []struct {
		url, auth string
		status    int
	}{
		{base + "/v1/following?who=nobody&limit=1", "", http.StatusUnauthorized},
		{base + "/v1/following?who=nobody&limit=1", "Bearer wrong-token-0123456789abcdef", http.StatusUnauthorized},
		{base + "/v1/following?who=nobody&limit=1", "Bearer " + token, http.StatusNotFound},
		{base + "/v1/auth", "Bearer " + token, http.StatusNoContent},
		{base + "/healthz", "", http.StatusOK},
		{base + "/readyz", "", http.StatusOK},
		{base + "/startedz", "", http.StatusOK},
		{"http://" + metricsAddr + "/metrics", "", http.StatusOK},
	} {
		req, err := http.NewRequest(http.MethodGet, tc.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tc.status {
			t.Errorf("GET %s with %q: %d, want %d", tc.url, tc.auth, res.StatusCode, tc.status)
		}
	}
}
