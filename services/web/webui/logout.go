package webui

import "github.com/gin-gonic/gin"

// logout needs no user lookup: dropping the cookie is the whole sign-out.
func (h *Handler) logout(c *gin.Context) {
	h.endSession(c)
	h.addFlash(c, "You were logged out")
	h.redirect(c, "/public")
}
