package webui

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

func (h *Handler) follow(c *gin.Context) {
	h.changeFollow(c, h.follows.Follow, h.metrics.Follows, `You are now following "%s"`)
}

func (h *Handler) unfollow(c *gin.Context) {
	h.changeFollow(c, h.follows.Unfollow, h.metrics.Unfollows, `You are no longer following "%s"`)
}

// changeFollow makes the signed-in viewer follow or unfollow the user named
// in the path, counts it and says so in a flash on that user's page.
func (h *Handler) changeFollow(c *gin.Context, change func(ctx context.Context, who, whom string) error,
	done *prometheus.CounterVec, flash string) {
	v, ok := h.requireViewer(c)
	if !ok {
		return
	}
	name := c.Param("username")
	if !storable(name) {
		h.errorPage(c, http.StatusNotFound, "")
		return
	}
	if err := change(c.Request.Context(), v.Username, name); err != nil {
		h.fail(c, err)
		return
	}
	done.WithLabelValues("web").Inc()
	h.addFlash(c, fmt.Sprintf(flash, name))
	h.redirect(c, userPath(name))
}
