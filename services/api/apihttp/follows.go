package apihttp

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"minitwit/shared/httpserver"
)

func (h *Handler) listFollows(c *gin.Context) {
	n, ok := limitParam(c)
	if !ok {
		return
	}
	names, err := h.Follows.Following(c.Request.Context(), c.Param("username"), n)
	if err != nil {
		fail(c, err)
		return
	}
	writeJSON(c, http.StatusOK, gin.H{"follows": names})
}

// changeFollow handles {"follow": other} and {"unfollow": other}; exactly
// one of the two must be given.
func (h *Handler) changeFollow(c *gin.Context) {
	who := c.Param("username")
	c.Set(httpserver.UserKey, who)
	var req struct {
		Follow   *string `json:"follow"`
		Unfollow *string `json:"unfollow"`
	}
	if !decodeBody(c, &req) {
		return
	}
	ctx := c.Request.Context()
	switch {
	case req.Follow != nil && req.Unfollow != nil:
		writeError(c, http.StatusBadRequest, "Give either follow or unfollow, not both")
	case req.Follow != nil && *req.Follow != "":
		if err := h.Follows.Follow(ctx, who, *req.Follow); err != nil {
			fail(c, err)
			return
		}
		h.Metrics.Follows.WithLabelValues("api").Inc()
		c.Status(http.StatusNoContent)
	case req.Unfollow != nil && *req.Unfollow != "":
		if err := h.Follows.Unfollow(ctx, who, *req.Unfollow); err != nil {
			fail(c, err)
			return
		}
		h.Metrics.Unfollows.WithLabelValues("api").Inc()
		c.Status(http.StatusNoContent)
	default:
		writeError(c, http.StatusBadRequest, "The body must name a user in follow or unfollow")
	}
}
