// Package apihttp serves the public simulator API (see
// shared/contract/simulator-api.md): JSON in, JSON out, Basic auth, and the
// "latest" action id stored on every authorised request.
package apihttp

import (
	"github.com/gin-gonic/gin"
	"github.com/sirupsen/logrus"

	"minitwit/shared/domain"
	"minitwit/shared/metrics"
	"minitwit/shared/password"
)

// Handler holds what the API routes need.
type Handler struct {
	Users    domain.UserStore
	Messages domain.MessageStore
	Follows  domain.FollowService
	Latest   domain.LatestStore
	Hasher   password.Hasher
	// SimulatorUser and SimulatorPassword are the Basic credentials every
	// endpoint but /latest and /register requires.
	SimulatorUser     string
	SimulatorPassword string
	Log               *logrus.Entry
	Metrics           *metrics.Metrics
}

// Mount adds the API routes to r: the root of the api service, or the
// /api group in the one-process mode.
func (h *Handler) Mount(r gin.IRouter) {
	r.GET("/latest", h.getLatest)
	r.POST("/register", h.storeLatest, h.register)

	auth := r.Group("", h.requireSimulator, h.storeLatest)
	auth.GET("/msgs", h.listMessages)
	auth.GET("/msgs/:username", h.listUserMessages)
	auth.POST("/msgs/:username", h.postMessage)
	auth.GET("/fllws/:username", h.listFollows)
	auth.POST("/fllws/:username", h.changeFollow)
}

// NotFound answers unknown API paths with the API's JSON error body.
func (h *Handler) NotFound(c *gin.Context) {
	writeError(c, 404, "Not found")
}

// InternalError is the body of a recovered panic.
func (h *Handler) InternalError(c *gin.Context) {
	writeError(c, 500, msgInternal)
}
