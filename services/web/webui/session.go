package webui

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"minitwit/shared/domain"
	"minitwit/shared/httpserver"
)

const (
	sessionCookie   = "minitwit_session"
	sessionPurpose  = "session"
	sessionLifetime = 30 * 24 * time.Hour
)

// session is the whole signed-in state: which user, until when. Nothing is
// kept on the server, so every replica with the key accepts it.
type session struct {
	UserID  int64 `json:"uid"`
	Expires int64 `json:"exp"`
}

// sessionUserID returns the user id of a valid, unexpired session cookie.
func (h *Handler) sessionUserID(c *gin.Context) (int64, bool) {
	ck, err := c.Request.Cookie(sessionCookie)
	if err != nil {
		return 0, false
	}
	var s session
	if !h.cookies.decode(sessionPurpose, ck.Value, &s) || s.UserID <= 0 || h.now().Unix() >= s.Expires {
		return 0, false
	}
	return s.UserID, true
}

func (h *Handler) startSession(c *gin.Context, userID int64) error {
	v, err := h.cookies.encode(sessionPurpose, session{UserID: userID, Expires: h.now().Add(sessionLifetime).Unix()})
	if err != nil {
		return err
	}
	setCookie(c.Writer, c.Request, sessionCookie, v, int(sessionLifetime/time.Second))
	return nil
}

func (h *Handler) endSession(c *gin.Context) {
	setCookie(c.Writer, c.Request, sessionCookie, "", -1)
}

// loadViewer notes the signed-in user in c. A session of a user that no
// longer exists is dropped.
func (h *Handler) loadViewer(c *gin.Context) error {
	id, ok := h.sessionUserID(c)
	if !ok {
		return nil
	}
	u, err := h.users.UserByID(c.Request.Context(), id)
	if errors.Is(err, domain.ErrNotFound) {
		h.endSession(c)
		return nil
	}
	if err != nil {
		return err
	}
	c.Set(viewerKey, u)
	c.Set(httpserver.UserKey, u.Username)
	return nil
}

// withViewer is the middleware form of loadViewer.
func (h *Handler) withViewer(c *gin.Context) {
	if err := h.loadViewer(c); err != nil {
		h.fail(c, err)
		return
	}
	c.Next()
}

// requireViewer answers 401 when nobody is signed in.
func (h *Handler) requireViewer(c *gin.Context) (domain.User, bool) {
	v, ok := viewer(c)
	if !ok {
		h.errorPage(c, http.StatusUnauthorized, "")
	}
	return v, ok
}
