package webui

import (
	"errors"

	"github.com/gin-gonic/gin"

	"minitwit/shared/domain"
)

func (h *Handler) addMessage(c *gin.Context) {
	v, ok := h.requireViewer(c)
	if !ok || !h.parseForm(c) {
		return
	}
	// The form is lenient where the API is strict: bytes a browser should
	// never send (invalid UTF-8, NUL) are cleaned rather than refused.
	text, err := domain.CheckMessage(cleanText(formValue(c, "text")))
	var rule *domain.RuleError
	switch {
	case errors.Is(err, domain.ErrMessageEmpty):
		// The contract: empty text stores nothing and flashes nothing.
		h.redirect(c, "/")
		return
	case errors.As(err, &rule):
		h.addFlash(c, rule.Error())
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
