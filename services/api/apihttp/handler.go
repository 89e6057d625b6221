// Package apihttp serves the public simulator API (see
// shared/contract/simulator-api.md): JSON in, JSON out, Basic auth, and the
// "latest" action id stored on every authorised request.
package apihttp

import (
	"github.com/gin-gonic/gin"
	"github.com/sirupsen/logrus"

	"minitwit/shared/config"
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

// Store is the data the API reads and writes besides the follower graph:
// the simulator's latest action id, users and their messages.
type Store interface {
	domain.LatestStore
	domain.UserStore
	domain.MessageStore
}

// FromConfig is the API as the binaries serve it (cmd/api alone,
// cmd/minitwit under /api): bcrypt at the configured cost and the
// simulator's credentials from the configuration. follows is the follower
// service's client or the store in-process.
func FromConfig(cfg config.Config, st Store, follows domain.FollowService, log *logrus.Entry, m *metrics.Metrics) *Handler {
	return &Handler{
		Users: st, Messages: st, Follows: follows, Latest: st,
		Hasher:            password.Hasher{Cost: cfg.BcryptCost},
		SimulatorUser:     cfg.SimulatorUser,
		SimulatorPassword: cfg.SimulatorPassword,
		Log:               log, Metrics: m,
	}
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
