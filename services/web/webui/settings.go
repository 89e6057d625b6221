package webui

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"minitwit/shared/account"
	"minitwit/shared/domain"
	"minitwit/shared/httpserver"
)

// sessionPages are the pages of this part of the UI, parsed once at start
// like the others.
type sessionPages struct {
	settings *template.Template
	confirm  *template.Template
}

func parseSessionPages() (sessionPages, error) {
	settings, err := parsePage("settings.html")
	if err != nil {
		return sessionPages{}, err
	}
	confirm, err := parsePage("confirm.html")
	if err != nil {
		return sessionPages{}, err
	}
	return sessionPages{settings: settings, confirm: confirm}, nil
}

type settingsData struct {
	layout
	Error string
}

// The texts of the password form's errors, first failing check only.
const (
	errCurrentPassword = "The current password is wrong"
	errPasswordsDiffer = "The two passwords do not match"
)

func (h *Handler) settingsForm(c *gin.Context) {
	if _, ok := h.requireViewer(c); !ok {
		return
	}
	h.render(c, h.sessionPages.settings, settingsData{layout: h.layout(c)})
}

// changePassword replaces the signed-in user's password after checking the
// current one, ends every session of the user (a thief holding a copied
// cookie is out too) and signs this browser in anew.
func (h *Handler) changePassword(c *gin.Context) {
	v, ok := h.requireViewer(c)
	if !ok || !h.parseForm(c) {
		return
	}
	current, pw, pw2 := formValue(c, "current_password"), formValue(c, "password"), formValue(c, "password2")
	// The current password goes through the sign-in check, throttle
	// included: a stolen session is no way to guess the password faster.
	_, err := h.accounts().SignIn(c.Request.Context(), v.Username, current, clientAddress(c.Request))
	var throttled *account.Throttled
	msg, status := "", http.StatusOK
	switch {
	case errors.Is(err, account.ErrWrongPassword), errors.Is(err, account.ErrUnknownUser):
		msg = errCurrentPassword
	case errors.As(err, &throttled):
		msg, status = throttled.Error(), http.StatusTooManyRequests
		c.Header("Retry-After", strconv.FormatInt(throttled.Seconds(), 10))
	case err != nil:
		h.fail(c, err)
		return
	default:
		if err := domain.CheckPassword(pw, domain.MinWebPasswordRunes); err != nil {
			msg = err.Error()
		} else if pw != pw2 {
			msg = errPasswordsDiffer
		}
	}
	if msg != "" {
		h.renderStatus(c, status, h.sessionPages.settings, settingsData{layout: h.layout(c), Error: msg})
		return
	}
	hash, err := h.hasher.Hash(pw)
	if err != nil {
		h.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	n, err := h.sessions.ChangePassword(ctx, v.ID, hash)
	if err != nil {
		h.fail(c, err)
		return
	}
	h.log.WithField("request_id", httpserver.RequestID(ctx)).WithField("user_id", v.ID).
		WithField("sessions_ended", n).Info("password changed")
	if err := h.startSession(c, v.ID); err != nil {
		h.fail(c, err)
		return
	}
	h.addFlash(c, "Your password was changed")
	h.redirect(c, "/settings")
}
