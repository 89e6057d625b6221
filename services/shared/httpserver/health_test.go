package httpserver

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/gin-gonic/gin"

	"minitwit/shared/domain"
)

// switchPinger answers according to up.
type switchPinger struct{ up atomic.Bool }

func (p *switchPinger) Ping(context.Context) error {
	if p.up.Load() {
		return nil
	}
	return errors.New("down")
}

func TestStartedIsStickyReadyIsLive(t *testing.T) {
	gin.SetMode(gin.TestMode)
	db := &switchPinger{}
	r := gin.New()
	MountHealth(r, map[string]domain.Pinger{"database": db})
	status := func(path string) int {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		return w.Code
	}
	steps := []struct {
		up             bool
		ready, started int
		what           string
	}{
		{false, http.StatusServiceUnavailable, http.StatusServiceUnavailable, "never ready yet"},
		{true, http.StatusOK, http.StatusOK, "ready"},
		{false, http.StatusServiceUnavailable, http.StatusOK, "dependency lost after the start"},
		{true, http.StatusOK, http.StatusOK, "dependency back"},
	}
	for _, s := range steps {
		db.up.Store(s.up)
		if got := status(ContainerHealthPath); got != s.started {
			t.Errorf("%s: %s = %d, want %d", s.what, ContainerHealthPath, got, s.started)
		}
		if got := status("/readyz"); got != s.ready {
			t.Errorf("%s: /readyz = %d, want %d", s.what, got, s.ready)
		}
		if got := status("/healthz"); got != http.StatusOK {
			t.Errorf("%s: /healthz = %d, want 200", s.what, got)
		}
	}
}
