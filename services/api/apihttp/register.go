package apihttp

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"minitwit/shared/domain"
	"minitwit/shared/httpserver"
	"minitwit/shared/password"
)

type registerRequest struct {
	Username string `json:"username"`
	Email    string `json:"email"`
	Pwd      string `json:"pwd"`
}

// register checks fields in the contract's order and answers the first
// failing check.
func (h *Handler) register(c *gin.Context) {
	var req registerRequest
	if !decodeBody(c, &req) {
		return
	}
	switch {
	case req.Username == "":
		writeError(c, http.StatusBadRequest, "You have to enter a username")
		return
	case req.Email == "" || !strings.Contains(req.Email, "@"):
		writeError(c, http.StatusBadRequest, "You have to enter a valid email address")
		return
	case req.Pwd == "":
		writeError(c, http.StatusBadRequest, "You have to enter a password")
		return
	}
	c.Set(httpserver.UserKey, req.Username)
	ctx := c.Request.Context()
	// Checked before hashing so a taken name costs a lookup, not a hash; the
	// unique index still decides a race between two registrations.
	if _, err := h.Users.UserByName(ctx, req.Username); err == nil {
		fail(c, domain.ErrUsernameTaken)
		return
	} else if !errors.Is(err, domain.ErrNotFound) {
		fail(c, err)
		return
	}
	hash, err := h.Hasher.Hash(req.Pwd)
	if errors.Is(err, password.ErrTooLong) {
		writeError(c, http.StatusBadRequest, "The password must be at most 72 bytes long")
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	if _, err := h.Users.CreateUser(ctx, domain.User{Username: req.Username, Email: req.Email, PwHash: hash}); err != nil {
		fail(c, err)
		return
	}
	h.Metrics.UsersRegistered.WithLabelValues("api").Inc()
	c.Status(http.StatusNoContent)
}
