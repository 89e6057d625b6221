package webui

import (
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"minitwit/shared/account"
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
	u, err := h.accounts().SignIn(c.Request.Context(), name, pw, clientAddress(c.Request))
	var throttled *account.Throttled
	msg, status := "", http.StatusOK
	switch {
	case errors.Is(err, account.ErrUnknownUser):
		msg = "Invalid username"
	case errors.Is(err, account.ErrWrongPassword):
		msg = "Invalid password"
	case errors.As(err, &throttled):
		msg, status = throttled.Error(), http.StatusTooManyRequests
		c.Header("Retry-After", strconv.FormatInt(throttled.Seconds(), 10))
	case err != nil:
		h.fail(c, err)
		return
	}
	if msg != "" {
		h.metrics.SignIns.WithLabelValues("failure").Inc()
		h.renderStatus(c, status, h.pages.login, loginData{layout: h.layout(c), Error: msg, Username: name})
		return
	}
	switch need, err := h.secondFactorNeeded(c, u); {
	case err != nil:
		h.fail(c, err)
		return
	case need:
		// No session until a code proves the second factor.
		h.askSecondFactor(c, u)
		return
	}
	h.finishSignIn(c, u)
}

// finishSignIn starts the session of a user who proved who they are (the
// password, and the second factor where it is on) and answers as the
// contract's sign-in does.
func (h *Handler) finishSignIn(c *gin.Context, u domain.User) {
	if err := h.startSession(c, u.ID); err != nil {
		h.fail(c, err)
		return
	}
	h.metrics.SignIns.WithLabelValues("success").Inc()
	c.Set(httpserver.UserKey, u.Username)
	h.addFlash(c, "You were logged in")
	h.redirect(c, "/")
}

// accounts is the shared account service over this handler's user store,
// which also keeps the sign-in throttle (the store does both).
func (h *Handler) accounts() *account.Service {
	t, _ := h.users.(account.Throttle)
	return &account.Service{Users: h.users, Throttle: t, Hasher: h.hasher, Policy: account.DefaultPolicy, Log: h.log, Now: h.now}
}

// clientAddress is the address failed sign-ins are counted against: the
// TCP peer, or, when the peer is the gateway (loopback or a private
// address, where NGINX runs), the address NGINX put in X-Forwarded-For
// (it replaces whatever the client sent). A client reaching the service
// directly from the internet cannot choose its own address this way.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer := net.ParseIP(host)
	if peer == nil {
		return host
	}
	if peer.IsLoopback() || peer.IsPrivate() {
		fwd := r.Header.Values("X-Forwarded-For")
		if len(fwd) > 0 {
			parts := strings.Split(fwd[len(fwd)-1], ",")
			if ip := net.ParseIP(strings.TrimSpace(parts[len(parts)-1])); ip != nil {
				return ip.String()
			}
		}
	}
	return peer.String()
}
