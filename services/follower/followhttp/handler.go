// Package followhttp serves the follower graph over HTTP for web and api
// replicas (see minitwit/shared/followclient for the client side). It is an
// internal API: the gateway never routes to it.
package followhttp

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/sirupsen/logrus"

	"minitwit/shared/domain"
	"minitwit/shared/followclient"
	"minitwit/shared/metrics"
)

// Handler serves a domain.FollowService.
type Handler struct {
	Svc     domain.FollowService
	Log     *logrus.Entry
	Metrics *metrics.Metrics
}

// Mount adds the follower routes to r.
func (h *Handler) Mount(r gin.IRoutes) {
	r.POST("/v1/follow", h.follow)
	r.POST("/v1/unfollow", h.unfollow)
	r.GET("/v1/is-following", h.isFollowing)
	r.GET("/v1/following", h.following)
}

func (h *Handler) follow(c *gin.Context) {
	p, ok := h.pair(c)
	if !ok {
		return
	}
	if err := h.Svc.Follow(c.Request.Context(), p.Who, p.Whom); err != nil {
		h.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (h *Handler) unfollow(c *gin.Context) {
	p, ok := h.pair(c)
	if !ok {
		return
	}
	if err := h.Svc.Unfollow(c.Request.Context(), p.Who, p.Whom); err != nil {
		h.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (h *Handler) isFollowing(c *gin.Context) {
	who, whom := c.Query("who"), c.Query("whom")
	if who == "" || whom == "" {
		c.JSON(http.StatusBadRequest, followclient.ErrorBody{Kind: followclient.KindBadRequest, Message: "who and whom are required"})
		return
	}
	f, err := h.Svc.IsFollowing(c.Request.Context(), who, whom)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"following": f})
}

func (h *Handler) following(c *gin.Context) {
	who := c.Query("who")
	limit, err := strconv.Atoi(c.Query("limit"))
	if who == "" || err != nil || limit < 0 {
		c.JSON(http.StatusBadRequest, followclient.ErrorBody{Kind: followclient.KindBadRequest, Message: "who and a non-negative limit are required"})
		return
	}
	names, err := h.Svc.Following(c.Request.Context(), who, limit)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"follows": names})
}

func (h *Handler) pair(c *gin.Context) (followclient.Pair, bool) {
	var p followclient.Pair
	if err := c.ShouldBindJSON(&p); err != nil || p.Who == "" || p.Whom == "" {
		c.JSON(http.StatusBadRequest, followclient.ErrorBody{Kind: followclient.KindBadRequest, Message: "a JSON body with who and whom is required"})
		return p, false
	}
	return p, true
}

// fail is the one place that maps domain errors to this service's answers,
// through the kinds table the client reads them back with.
func (h *Handler) fail(c *gin.Context, err error) {
	kind, status := followclient.KindOf(err)
	switch kind {
	case followclient.KindNotFound:
		c.JSON(status, followclient.ErrorBody{Kind: kind, Message: "unknown user"})
	case followclient.KindFollowSelf:
		c.JSON(status, followclient.ErrorBody{Kind: kind, Message: "a user cannot follow themselves"})
	default:
		_ = c.Error(err)
		c.JSON(status, followclient.InternalError)
	}
}

// Internal answers an unexpected failure (a recovered panic) as fail does.
func Internal(c *gin.Context) {
	c.JSON(http.StatusInternalServerError, followclient.InternalError)
}
