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
	change, done, whom := h.Follows.Follow, h.Metrics.Follows, req.Follow
	if req.Unfollow != nil {
		change, done, whom = h.Follows.Unfollow, h.Metrics.Unfollows, req.Unfollow
	}
	switch {
	case req.Follow != nil && req.Unfollow != nil:
		writeError(c, http.StatusBadRequest, "Give either follow or unfollow, not both")
	case whom == nil || *whom == "":
		writeError(c, http.StatusBadRequest, "The body must name a user in follow or unfollow")
	default:
		if err := change(c.Request.Context(), who, *whom); err != nil {
			fail(c, err)
			return
		}
		done.WithLabelValues("api").Inc()
		c.Status(http.StatusNoContent)
	}
}
