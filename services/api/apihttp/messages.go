package apihttp

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"minitwit/shared/domain"
	"minitwit/shared/httpserver"
)

type messageJSON struct {
	Content string `json:"content"`
	PubDate int64  `json:"pub_date"`
	User    string `json:"user"`
}

func toJSON(ms []domain.Message) []messageJSON {
	out := make([]messageJSON, len(ms))
	for i, m := range ms {
		out[i] = messageJSON{Content: m.Text, PubDate: m.PubDate.Unix(), User: m.Author}
	}
	return out
}

func (h *Handler) listMessages(c *gin.Context) {
	n, ok := limitParam(c)
	if !ok {
		return
	}
	ms, err := h.Messages.PublicTimeline(c.Request.Context(), domain.Page{Limit: n})
	if err != nil {
		fail(c, err)
		return
	}
	writeJSON(c, http.StatusOK, toJSON(ms))
}

func (h *Handler) listUserMessages(c *gin.Context) {
	n, ok := limitParam(c)
	if !ok {
		return
	}
	u, err := h.Users.UserByName(c.Request.Context(), c.Param("username"))
	if err != nil {
		fail(c, err)
		return
	}
	ms, err := h.Messages.UserTimeline(c.Request.Context(), u.ID, domain.Page{Limit: n})
	if err != nil {
		fail(c, err)
		return
	}
	writeJSON(c, http.StatusOK, toJSON(ms))
}

func (h *Handler) postMessage(c *gin.Context) {
	name := c.Param("username")
	c.Set(httpserver.UserKey, name)
	u, err := h.Users.UserByName(c.Request.Context(), name)
	if err != nil {
		fail(c, err)
		return
	}
	var req struct {
		Content string `json:"content"`
	}
	if !decodeBody(c, &req) {
		return
	}
	text, err := domain.CheckMessage(req.Content)
	if err != nil {
		fail(c, err) // 400 with the rule's text: empty, too long, control characters
		return
	}
	if _, err := h.Messages.PostMessage(c.Request.Context(), u.ID, text, time.Now()); err != nil {
		fail(c, err)
		return
	}
	h.Metrics.MessagesPosted.WithLabelValues("api").Inc()
	c.Status(http.StatusNoContent)
}
