package webui

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

func (h *Handler) follow(c *gin.Context) {
	v, ok := h.requireViewer(c)
	if !ok {
		return
	}
	name := c.Param("username")
	if !storable(name) {
		h.errorPage(c, http.StatusNotFound, "")
		return
	}
	if err := h.follows.Follow(c.Request.Context(), v.Username, name); err != nil {
		h.fail(c, err)
		return
	}
	h.metrics.Follows.WithLabelValues("web").Inc()
	h.addFlash(c, `You are now following "`+name+`"`)
	h.redirect(c, userPath(name))
}

func (h *Handler) unfollow(c *gin.Context) {
	v, ok := h.requireViewer(c)
	if !ok {
		return
	}
	name := c.Param("username")
	if !storable(name) {
		h.errorPage(c, http.StatusNotFound, "")
		return
	}
	if err := h.follows.Unfollow(c.Request.Context(), v.Username, name); err != nil {
		h.fail(c, err)
		return
	}
	h.metrics.Unfollows.WithLabelValues("web").Inc()
	h.addFlash(c, `You are no longer following "`+name+`"`)
	h.redirect(c, userPath(name))
}
