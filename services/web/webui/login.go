package webui

import (
	"errors"

	"github.com/gin-gonic/gin"

	"minitwit/shared/domain"
	"minitwit/shared/httpserver"
)

type loginData struct {
	layout
	Error    string
	Username string
}

// guestsOnly sends a signed-in visitor of the sign-in and sign-up pages to
// their timeline instead.
func (h *Handler) guestsOnly(c *gin.Context) {
	if _, ok := viewer(c); ok {
		h.redirect(c, "/")
		c.Abort()
	}
}

func (h *Handler) loginForm(c *gin.Context) {
	h.render(c, h.pages.login, loginData{layout: h.layout(c)})
}

func (h *Handler) login(c *gin.Context) {
	if !h.parseForm(c) {
		return
	}
	name, pw := formValue(c, "username"), formValue(c, "password")
	u, err := h.findUser(c, name)
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		h.fail(c, err)
		return
	}
	msg := ""
	switch {
	case err != nil:
		msg = "Invalid username"
	default:
		ok, rehash := h.hasher.Verify(u.PwHash, pw)
		if !ok {
			msg = "Invalid password"
			break
		}
		if rehash {
			h.upgradeHash(c, u, pw)
		}
	}
	if msg != "" {
		h.metrics.SignIns.WithLabelValues("failure").Inc()
		h.render(c, h.pages.login, loginData{layout: h.layout(c), Error: msg, Username: name})
		return
	}
	if err := h.startSession(c, u.ID); err != nil {
		h.fail(c, err)
		return
	}
	h.metrics.SignIns.WithLabelValues("success").Inc()
	c.Set(httpserver.UserKey, u.Username)
	h.addFlash(c, "You were logged in")
	h.redirect(c, "/")
}

// findUser looks name up; names the database could not hold are unknown.
func (h *Handler) findUser(c *gin.Context, name string) (domain.User, error) {
	if name == "" || !storable(name) {
		return domain.User{}, domain.ErrNotFound
	}
	return h.users.UserByName(c.Request.Context(), name)
}

// upgradeHash replaces a legacy or differently-costed hash now that the
// password is known. Failing to do so does not fail the sign-in.
func (h *Handler) upgradeHash(c *gin.Context, u domain.User, pw string) {
	hash, err := h.hasher.Hash(pw)
	if err == nil {
		err = h.users.UpdatePasswordHash(c.Request.Context(), u.ID, hash)
	}
	if err != nil {
		h.log.WithField("request_id", httpserver.RequestID(c.Request.Context())).
			WithField("user_id", u.ID).WithError(err).Warn("could not upgrade password hash")
	}
}
