// Package followhttp serves the follower graph over HTTP for web and api
// replicas (see minitwit/shared/followclient for the client side). It is an
// internal API: the gateway never routes to it.
package followhttp

import (
	"context"
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
	// Tokens are the bearer tokens callers are accepted with: the current
	// FOLLOWER_TOKEN and, during a rotation, the previous one. Empty
	// entries are ignored; with none, every call is answered 401.
	Tokens []string
}

// Mount adds the follower routes to r, each behind the token check. The
// health endpoints (mounted by the binary) and the metrics listener stay
// open: the container health check, Swarm and Prometheus call them.
func (h *Handler) Mount(r gin.IRoutes) {
	r.POST("/v1/follow", h.authorize, h.change(h.Svc.Follow))
	r.POST("/v1/unfollow", h.authorize, h.change(h.Svc.Unfollow))
	r.GET("/v1/is-following", h.authorize, h.isFollowing)
	r.GET("/v1/following", h.authorize, h.following)
	r.GET(followclient.AuthPath, h.authorize, auth)
}

// change serves a follow or an unfollow: both take the same pair and answer
// 204 or the error's kind.
func (h *Handler) change(apply func(ctx context.Context, who, whom string) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := h.pair(c)
		if !ok {
			return
		}
		if err := apply(c.Request.Context(), p.Who, p.Whom); err != nil {
			h.fail(c, err)
			return
		}
		c.Status(http.StatusNoContent)
	}
}

func (h *Handler) isFollowing(c *gin.Context) {
	who, whom := c.Query("who"), c.Query("whom")
	if who == "" || whom == "" {
		badRequest(c, "who and whom are required")
		return
	}
	f, err := h.Svc.IsFollowing(c.Request.Context(), who, whom)
	h.answer(c, "following", f, err)
}

func (h *Handler) following(c *gin.Context) {
	who := c.Query("who")
	limit, err := strconv.Atoi(c.Query("limit"))
	if who == "" || err != nil || limit < 0 {
		badRequest(c, "who and a non-negative limit are required")
		return
	}
	names, err := h.Svc.Following(c.Request.Context(), who, limit)
	h.answer(c, "follows", names, err)
}

// answer writes {key: value}, or the error's kind and status when err is set.
func (h *Handler) answer(c *gin.Context, key string, value any, err error) {
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{key: value})
}

func (h *Handler) pair(c *gin.Context) (followclient.Pair, bool) {
	var p followclient.Pair
	if err := c.ShouldBindJSON(&p); err != nil || p.Who == "" || p.Whom == "" {
		badRequest(c, "a JSON body with who and whom is required")
		return p, false
	}
	return p, true
}

// badRequest answers 400 with the bad_request kind.
func badRequest(c *gin.Context, msg string) {
	c.JSON(http.StatusBadRequest, followclient.ErrorBody{Kind: followclient.KindBadRequest, Message: msg})
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
	case followclient.KindUnavailable:
		_ = c.Error(err)
		c.JSON(status, followclient.ErrorBody{Kind: kind, Message: "database unavailable"})
	default:
		_ = c.Error(err)
		c.JSON(status, followclient.InternalError)
	}
}

// Internal answers an unexpected failure (a recovered panic) as fail does.
func Internal(c *gin.Context) {
	c.JSON(http.StatusInternalServerError, followclient.InternalError)
}
