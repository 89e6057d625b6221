package webui

import (
	"github.com/gin-gonic/gin"
)

func (h *Handler) addMessage(c *gin.Context) {
	v, ok := h.requireViewer(c)
	if !ok || !h.parseForm(c) {
		return
	}
	text := cleanText(formValue(c, "text"))
	if text == "" {
		h.redirect(c, "/")
		return
	}
	if _, err := h.messages.PostMessage(c.Request.Context(), v.ID, text, h.now().UTC()); err != nil {
		h.fail(c, err)
		return
	}
	h.metrics.MessagesPosted.WithLabelValues("web").Inc()
	h.addFlash(c, "Your message was recorded")
	h.redirect(c, "/")
}
