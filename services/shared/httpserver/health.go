package httpserver

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"minitwit/shared/domain"
)

// ReadyTimeout bounds the readiness check of all dependencies together.
const ReadyTimeout = time.Second

// MountHealth adds /healthz (the process answers) and /readyz (every
// dependency answers within ReadyTimeout) to r.
func MountHealth(r gin.IRoutes, deps map[string]domain.Pinger) {
	r.GET("/healthz", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"status": "ok"})
	})
	r.GET("/readyz", func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), ReadyTimeout)
		defer cancel()
		failed := gin.H{}
		for name, p := range deps {
			if err := p.Ping(ctx); err != nil {
				failed[name] = "not ready"
			}
		}
		if len(failed) > 0 {
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "failed": failed})
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "ready"})
	})
}
