package httpserver

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"minitwit/shared/domain"
)

// ReadyTimeout bounds the readiness check of all dependencies together.
const ReadyTimeout = time.Second

// ContainerHealthPath is what the images' HEALTHCHECK ("service
// healthcheck") probes: /startedz.
const ContainerHealthPath = "/startedz"

// MountHealth adds to r:
//   - /healthz: the process answers;
//   - /readyz: every dependency answers within ReadyTimeout, checked on each
//     request (load balancers and the monitoring use it);
//   - /startedz: the process has been ready at least once. It checks the
//     dependencies like /readyz until they first answer and then always
//     passes while the process serves. Container health means "this process
//     works": a database outage must not make Swarm restart every replica,
//     yet a start-first rolling update still waits until a new task has
//     reached its database and found the schema it needs.
func MountHealth(r gin.IRoutes, deps map[string]domain.Pinger) {
	var started atomic.Bool
	check := func(ctx context.Context) gin.H {
		ctx, cancel := context.WithTimeout(ctx, ReadyTimeout)
		defer cancel()
		failed := gin.H{}
		for name, p := range deps {
			if err := p.Ping(ctx); err != nil {
				failed[name] = "not ready"
			}
		}
		if len(failed) == 0 {
			started.Store(true)
		}
		return failed
	}
	r.GET("/healthz", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"status": "ok"})
	})
	r.GET("/readyz", func(c *gin.Context) {
		if failed := check(c.Request.Context()); len(failed) > 0 {
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "failed": failed})
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "ready"})
	})
	r.GET(ContainerHealthPath, func(c *gin.Context) {
		if started.Load() {
			c.JSON(http.StatusOK, gin.H{"status": "started"})
			return
		}
		if failed := check(c.Request.Context()); len(failed) > 0 {
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "starting", "failed": failed})
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "started"})
	})
}
