package webui

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"minitwit/shared/account"
	"minitwit/shared/domain"
	"minitwit/shared/httpserver"
)

// The second step of signing in for users with two-factor sign-in on: the
// password was right, so a short-lived signed cookie names the user (no
// session yet) and /login/code asks for a TOTP or recovery code. Wrong
// codes count as failed sign-ins (package account's throttle).

const (
	codePath        = "/login/code"
	signInCookie    = "minitwit_2fa_signin"
	signInPurpose   = "2fa-signin"
	signInCodeLimit = 5 * time.Minute
)

type pendingSignIn struct {
	UserID  int64  `json:"uid"`
	Name    string `json:"n"`
	Expires int64  `json:"exp"`
}

type codeData struct {
	layout
	Error string
}

// secondFactorNeeded tells whether u must give a code before a session
// starts.
func (h *Handler) secondFactorNeeded(c *gin.Context, u domain.User) (bool, error) {
	sealed, _, _, err := h.tf.store.TwoFactor(c.Request.Context(), u.ID)
	return sealed != "", err
}

// askSecondFactor sends u, whose password was right, to the code page.
func (h *Handler) askSecondFactor(c *gin.Context, u domain.User) {
	val, err := h.cookies.encode(signInPurpose, pendingSignIn{UserID: u.ID, Name: u.Username, Expires: h.now().Add(signInCodeLimit).Unix()})
	if err != nil {
		h.fail(c, err)
		return
	}
	setCookie(c.Writer, c.Request, signInCookie, val, int(signInCodeLimit/time.Second))
	h.redirect(c, codePath)
}

// pendingSignIn is the request's unexpired second-step cookie, if any.
func (h *Handler) pendingSignIn(c *gin.Context) (pendingSignIn, bool) {
	val, ok := readCookie(c.Request, signInCookie)
	if !ok {
		return pendingSignIn{}, false
	}
	var p pendingSignIn
	if !h.cookies.decode(signInPurpose, val, &p) || p.UserID <= 0 || h.now().Unix() >= p.Expires {
		return pendingSignIn{}, false
	}
	return p, true
}

func (h *Handler) codeForm(c *gin.Context) {
	if _, ok := h.pendingSignIn(c); !ok {
		h.redirect(c, "/login")
		return
	}
	h.render(c, h.tf.pages.code, codeData{layout: h.layout(c)})
}

// signInWithCode finishes a sign-in with a correct code: the session
// starts and the browser lands on the timeline as after a password alone.
func (h *Handler) signInWithCode(c *gin.Context) {
	p, ok := h.pendingSignIn(c)
	if !ok {
		h.addFlash(c, "The sign-in took too long; please sign in again")
		h.redirect(c, "/login")
		return
	}
	if !h.parseForm(c) {
		return
	}
	ctx := c.Request.Context()
	u := domain.User{ID: p.UserID, Username: p.Name}
	client := clientAddress(c.Request)
	accounts := h.accounts()
	err := accounts.SecondFactorAllowed(ctx, u, client)
	if err == nil {
		err = h.checkSecondFactor(ctx, u.ID, formValue(c, "code"))
		if errors.Is(err, errCodeRefused) {
			if ferr := accounts.SecondFactorFailed(ctx, u, client); ferr != nil {
				err = ferr
			}
		}
	}
	var throttled *account.Throttled
	switch {
	case errors.Is(err, errCodeRefused):
		h.metrics.SignIns.WithLabelValues("failure").Inc()
		h.render(c, h.tf.pages.code, codeData{layout: h.layout(c), Error: codeRefusedText})
		return
	case errors.As(err, &throttled):
		h.metrics.SignIns.WithLabelValues("failure").Inc()
		c.Header("Retry-After", strconv.FormatInt(throttled.Seconds(), 10))
		h.renderStatus(c, http.StatusTooManyRequests, h.tf.pages.code, codeData{layout: h.layout(c), Error: throttled.Error()})
		return
	case err != nil:
		h.fail(c, err)
		return
	}
	if err := accounts.SecondFactorPassed(ctx, u); err != nil {
		h.log.WithField("request_id", httpserver.RequestID(ctx)).WithField("user_id", u.ID).
			WithError(err).Warn("could not reset the second-factor throttle")
	}
	setCookie(c.Writer, c.Request, signInCookie, "", -1)
	h.finishSignIn(c, u)
}
