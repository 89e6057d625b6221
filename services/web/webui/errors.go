package webui

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"minitwit/shared/domain"
	"minitwit/shared/httpserver"
)

// statusOf is the one mapping from domain errors to HTTP status codes.
func statusOf(err error) int {
	switch {
	case errors.Is(err, domain.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, domain.ErrFollowSelf), errors.Is(err, domain.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, domain.ErrUnavailable):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// errorTexts are what an error page says for each status. Internal detail
// goes to the log, never to the page.
var errorTexts = map[int]struct{ title, text string }{
	http.StatusBadRequest:            {"Bad Request", "The request could not be understood."},
	http.StatusUnauthorized:          {"Sign In Required", "You have to sign in to do that."},
	http.StatusForbidden:             {"Forbidden", "This request came from another site and was refused."},
	http.StatusNotFound:              {"Page Not Found", "There is no page at this address."},
	http.StatusRequestEntityTooLarge: {"Request Too Large", "What you sent is too large."},
	http.StatusInternalServerError:   {"Internal Error", "Something went wrong on our side. Please try again."},
	http.StatusServiceUnavailable:    {"Service Unavailable", "MiniTwit cannot answer right now. Please try again shortly."},
}

// fail logs err with the request id and answers with the error page its
// domain kind maps to.
func (h *Handler) fail(c *gin.Context, err error) {
	status := statusOf(err)
	if status >= http.StatusInternalServerError {
		h.log.WithField("request_id", httpserver.RequestID(c.Request.Context())).
			WithField("route", c.FullPath()).WithError(err).Error("web request failed")
		_ = c.Error(err)
	}
	text := ""
	if errors.Is(err, domain.ErrFollowSelf) {
		text = "You cannot follow yourself."
	}
	h.errorPage(c, status, text)
}

// errorPage renders the page for status; text overrides the default wording.
func (h *Handler) errorPage(c *gin.Context, status int, text string) {
	t, ok := errorTexts[status]
	if !ok {
		t = errorTexts[http.StatusInternalServerError]
	}
	if text == "" {
		text = t.text
	}
	data := errorData{
		layout:    h.layout(c),
		Title:     t.title,
		Text:      text,
		ShowLogin: status == http.StatusUnauthorized,
	}
	h.renderStatus(c, status, h.pages.errorPage, data)
	c.Abort()
}

type errorData struct {
	layout
	Title     string
	Text      string
	ShowLogin bool
}
