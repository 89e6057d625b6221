package httpserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestProbe(t *testing.T) {
	ready := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" || !ready {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	port := addr[strings.LastIndex(addr, ":"):]
	ctx := context.Background()
	if err := Probe(ctx, addr, "/readyz", time.Second); err != nil {
		t.Errorf("ready server: %v", err)
	}
	if err := Probe(ctx, "0.0.0.0"+port, "/readyz", time.Second); err != nil {
		t.Errorf("unspecified host not probed on loopback: %v", err)
	}
	ready = false
	if err := Probe(ctx, addr, "/readyz", time.Second); err == nil {
		t.Error("a 503 passed the probe")
	}
	srv.Close()
	if err := Probe(ctx, addr, "/readyz", time.Second); err == nil {
		t.Error("a closed port passed the probe")
	}
}
