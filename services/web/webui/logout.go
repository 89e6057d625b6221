package webui

import "github.com/gin-gonic/gin"

// logout ends the session on the server, not only in this browser: a copy
// of the cookie taken before signs nobody in afterwards. It needs no user
// lookup, only the session's token.
func (h *Handler) logout(c *gin.Context) {
	if err := h.endSession(c); err != nil {
		h.fail(c, err)
		return
	}
	h.addFlash(c, "You were logged out")
	h.redirect(c, "/public")
}
