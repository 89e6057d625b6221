// Package webui serves MiniTwit's server-rendered web pages (the web UI
// contract, shared/contract/web-ui.md). It talks to the domain interfaces only,
// so the same handlers run against an in-process follower graph or the
// follower service's typed client. Sessions are rows in the shared database
// named by a random token in a signed cookie, flashes live in signed
// cookies: any replica holding the same key serves any user.
package webui

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/sirupsen/logrus"

	"minitwit/shared/domain"
	"minitwit/shared/metrics"
	"minitwit/shared/password"
)

// MinSessionKeyBytes is the shortest session key New accepts; a shorter one
// would let an attacker guess it and forge any user's session.
const MinSessionKeyBytes = 16

// Deps is what the web UI needs from the outside.
type Deps struct {
	Users      domain.UserStore
	Messages   domain.MessageStore
	Follows    domain.FollowService
	Hasher     password.Hasher
	Sessions   SessionStore
	TwoFactor  TwoFactorStore
	SessionKey []byte // signs session and flash cookies; the same on every replica
	// PreviousSessionKey, when set, is still accepted for cookies signed
	// before a key rotation; new cookies are signed with SessionKey.
	PreviousSessionKey []byte
	Log                *logrus.Entry
	Metrics            *metrics.Metrics
	// Now is the clock (nil: time.Now); tests move it, e.g. to the next
	// 30 s step of two-factor codes.
	Now func() time.Time
}

// Handler serves the web UI.
type Handler struct {
	users    domain.UserStore
	messages domain.MessageStore
	follows  domain.FollowService
	hasher   password.Hasher
	sessions SessionStore
	purge    sessionPurge
	cookies  signer
	log      *logrus.Entry
	metrics  *metrics.Metrics
	pages    pages
	// sessionPages are the settings and confirmation pages (settings.go).
	sessionPages sessionPages
	// tf is two-factor sign-in (twofactor*.go).
	tf twoFactor
	// messageHTML renders and remembers timeline messages.
	messageHTML *messageHTML
	avatars     *avatars
	css         []byte
	cssURL      string
	origin      *http.CrossOriginProtection
	now         func() time.Time
}

// New checks d and parses the templates once.
func New(d Deps) (*Handler, error) {
	switch {
	case d.Users == nil || d.Messages == nil || d.Follows == nil || d.Sessions == nil:
		return nil, errors.New("webui: Users, Messages, Follows and Sessions are required")
	case d.Log == nil || d.Metrics == nil:
		return nil, errors.New("webui: Log and Metrics are required")
	case len(d.SessionKey) < MinSessionKeyBytes:
		return nil, fmt.Errorf("webui: the session key must be at least %d bytes", MinSessionKeyBytes)
	case d.PreviousSessionKey != nil && len(d.PreviousSessionKey) < MinSessionKeyBytes:
		return nil, fmt.Errorf("webui: the previous session key must be at least %d bytes", MinSessionKeyBytes)
	}
	sp, err := parseSessionPages()
	if err != nil {
		return nil, err
	}
	tf, err := newTwoFactor(d.TwoFactor, d.SessionKey, d.PreviousSessionKey)
	if err != nil {
		return nil, err
	}
	pg, err := parsePages()
	if err != nil {
		return nil, err
	}
	css, err := assets.ReadFile("static/style.css")
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(css)
	av := newAvatars(d.SessionKey)
	now := d.Now
	if now == nil {
		now = time.Now
	}
	return &Handler{
		users:        d.Users,
		messages:     d.Messages,
		follows:      d.Follows,
		hasher:       d.Hasher,
		sessions:     d.Sessions,
		cookies:      newSigner(d.SessionKey, d.PreviousSessionKey),
		sessionPages: sp,
		tf:           tf,
		log:          d.Log,
		metrics:      d.Metrics,
		pages:        pg,
		messageHTML:  newMessageHTML(pg.timeline.Lookup("message"), av),
		avatars:      av,
		css:          css,
		// The content hash in the URL lets browsers cache the file for
		// good and still fetch a new one after a deploy.
		cssURL: "/static/style.css?v=" + hex.EncodeToString(sum[:6]),
		origin: http.NewCrossOriginProtection(),
		now:    now,
	}, nil
}

// Mount registers every web route at the root of r. The routes are static
// words next to "/:username", so they coexist with other static groups such
// as "/api/" on the same engine.
func (h *Handler) Mount(r gin.IRouter) {
	r.GET("/static/style.css", h.styleSheet)
	// Three segments: no user route has as many, so "/avatar/follow" still
	// follows a user named "avatar".
	r.GET(avatarPath+":key/:size", h.avatar)

	r.GET("/", h.withViewer, h.homeTimeline)
	r.GET("/public", h.withViewer, h.publicTimeline)
	r.GET("/:username", h.withViewer, h.userTimeline)

	for _, method := range []string{http.MethodGet, http.MethodPost} {
		r.Handle(method, "/:username/follow", h.refuseCrossSite, h.withViewer, h.confirmFromOutside, h.follow)
		r.Handle(method, "/:username/unfollow", h.refuseCrossSite, h.withViewer, h.confirmFromOutside, h.unfollow)
	}
	r.POST("/add_message", h.refuseCrossSite, h.withViewer, h.addMessage)

	r.GET("/login", h.withViewer, h.guestsOnly, h.loginForm)
	r.POST("/login", h.refuseCrossSite, h.withViewer, h.guestsOnly, h.login)
	r.GET("/register", h.withViewer, h.guestsOnly, h.registerForm)
	r.POST("/register", h.refuseCrossSite, h.withViewer, h.guestsOnly, h.register)
	r.GET("/logout", h.refuseCrossSite, h.confirmFromOutside, h.logout)
	r.POST("/logout", h.refuseCrossSite, h.logout)
	r.GET("/settings", h.withViewer, h.settingsForm)
	r.POST("/settings", h.refuseCrossSite, h.withViewer, h.changePassword)
	h.mountTwoFactor(r)
}

// NotFound answers unmatched routes with the 404 page (engine.NoRoute).
func (h *Handler) NotFound(c *gin.Context) {
	// The navigation is a nicety here; a failing lookup shows it signed out.
	_ = h.loadViewer(c)
	h.errorPage(c, http.StatusNotFound, "")
}

// InternalError is the clean 500 page for a recovered panic (the onPanic
// of httpserver.NewEngine). It touches no dependency: whatever panicked may
// be what is broken.
func (h *Handler) InternalError(c *gin.Context) {
	h.errorPage(c, http.StatusInternalServerError, "")
}

func (h *Handler) styleSheet(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=31536000, immutable")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Data(http.StatusOK, "text/css; charset=utf-8", h.css)
}
