package webui

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"minitwit/shared/account"
	"minitwit/shared/domain"
	"minitwit/shared/httpserver"
)

// The settings page /settings/two-factor: off → "Turn on" starts a set-up
// (a new secret, its QR code and text, a field for a code); a correct code
// turns two-factor sign-in on and shows the recovery codes once. On → "Turn
// off" with a current code, a recovery code or the password.

const (
	twoFactorPath = "/settings/two-factor"
	// The secret being set up waits, sealed, in a signed cookie until a
	// code confirms it: any replica can finish the set-up.
	setupCookie   = "minitwit_2fa_setup"
	setupPurpose  = "2fa-setup"
	setupLifetime = 15 * time.Minute
)

type pendingSetup struct {
	UserID  int64  `json:"uid"`
	Secret  string `json:"s"` // sealed for UserID
	Expires int64  `json:"exp"`
}

type twoFactorSetupView struct {
	Secret string // base32, grouped for typing
	QR     qrCode // of the otpauth:// URL authenticator apps scan
}

type twoFactorData struct {
	layout
	Error     string
	On        bool
	CodesLeft int
	Setup     *twoFactorSetupView
	NewCodes  []string // shown once, right after turning on
}

// twoFactor is the part of the handler this file and twofactor_login.go use.
type twoFactor struct {
	store TwoFactorStore
	box   secretBox
	pages twoFactorPages
}

func newTwoFactor(st TwoFactorStore, key, previousKey []byte) (twoFactor, error) {
	if st == nil {
		return twoFactor{}, errors.New("webui: TwoFactor is required")
	}
	box, err := newSecretBox(key, previousKey)
	if err != nil {
		return twoFactor{}, err
	}
	pages, err := parseTwoFactorPages()
	if err != nil {
		return twoFactor{}, err
	}
	return twoFactor{store: st, box: box, pages: pages}, nil
}

func (h *Handler) mountTwoFactor(r gin.IRouter) {
	r.GET(twoFactorPath, h.withViewer, h.twoFactorSettings)
	r.POST(twoFactorPath+"/start", h.refuseCrossSite, h.withViewer, h.startTwoFactor)
	r.POST(twoFactorPath+"/enable", h.refuseCrossSite, h.withViewer, h.enableTwoFactor)
	r.POST(twoFactorPath+"/disable", h.refuseCrossSite, h.withViewer, h.disableTwoFactor)
	r.GET(codePath, h.withViewer, h.guestsOnly, h.codeForm)
	r.POST(codePath, h.refuseCrossSite, h.withViewer, h.guestsOnly, h.signInWithCode)
}

// twoFactorPage renders the settings page for v as it stands.
func (h *Handler) twoFactorPage(c *gin.Context, v domain.User, errText string) {
	h.twoFactorPageStatus(c, http.StatusOK, v, errText)
}

func (h *Handler) twoFactorPageStatus(c *gin.Context, status int, v domain.User, errText string) {
	sealed, _, hashes, err := h.tf.store.TwoFactor(c.Request.Context(), v.ID)
	if err != nil {
		h.fail(c, err)
		return
	}
	data := twoFactorData{layout: h.layout(c), Error: errText, On: sealed != "", CodesLeft: len(hashes)}
	if !data.On {
		if _, secret, ok := h.pendingSetup(c, v.ID); ok {
			if data.Setup, err = h.setupView(v, secret); err != nil {
				h.fail(c, err)
				return
			}
		}
	}
	h.renderStatus(c, status, h.tf.pages.settings, data)
}

func (h *Handler) twoFactorSettings(c *gin.Context) {
	v, ok := h.requireViewer(c)
	if !ok {
		return
	}
	h.twoFactorPage(c, v, "")
}

// startTwoFactor makes a new secret and keeps it in the set-up cookie; the
// page then shows it. Starting again replaces it.
func (h *Handler) startTwoFactor(c *gin.Context) {
	v, ok := h.requireViewer(c)
	if !ok {
		return
	}
	secret, _, err := newTOTPKey(v.Username)
	if err != nil {
		h.fail(c, err)
		return
	}
	sealed, err := h.tf.box.seal(v.ID, secret)
	if err != nil {
		h.fail(c, err)
		return
	}
	val, err := h.cookies.encode(setupPurpose, pendingSetup{UserID: v.ID, Secret: sealed, Expires: h.now().Add(setupLifetime).Unix()})
	if err != nil {
		h.fail(c, err)
		return
	}
	setCookie(c.Writer, c.Request, setupCookie, val, int(setupLifetime/time.Second))
	h.redirect(c, twoFactorPath)
}

// pendingSetup is the request's unexpired set-up of userID, if any, and
// its secret. One sealed under a key dropped since is no set-up.
func (h *Handler) pendingSetup(c *gin.Context, userID int64) (pendingSetup, []byte, bool) {
	val, ok := readCookie(c.Request, setupCookie)
	if !ok {
		return pendingSetup{}, nil, false
	}
	var p pendingSetup
	if !h.cookies.decode(setupPurpose, val, &p) || p.UserID != userID || h.now().Unix() >= p.Expires {
		return pendingSetup{}, nil, false
	}
	secret, _, ok := h.tf.box.open(userID, p.Secret)
	return p, secret, ok
}

func (h *Handler) setupView(v domain.User, secret []byte) (*twoFactorSetupView, error) {
	key, err := totpKey(v.Username, secret)
	if err != nil {
		return nil, err
	}
	qr, err := newQRCode(key.URL())
	if err != nil {
		return nil, err
	}
	return &twoFactorSetupView{Secret: groupSecret(key.Secret()), QR: qr}, nil
}

// enableTwoFactor turns two-factor sign-in on once a code of the pending
// secret proves the authenticator has it, ends the user's other sessions,
// and shows the recovery codes, once: only their hashes are kept.
func (h *Handler) enableTwoFactor(c *gin.Context) {
	v, ok := h.requireViewer(c)
	if !ok || !h.parseForm(c) {
		return
	}
	p, secret, ok := h.pendingSetup(c, v.ID)
	if !ok {
		h.addFlash(c, "The set-up expired; please start again")
		h.redirect(c, twoFactorPath)
		return
	}
	step, match := totpStep(secret, normalizeCode(formValue(c, "code")), h.now(), 0)
	if !match {
		h.twoFactorPage(c, v, codeRefusedText)
		return
	}
	codes, hashes, err := newRecoveryCodes()
	if err != nil {
		h.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	enabled, err := h.tf.store.EnableTOTP(ctx, v.ID, p.Secret, step, hashes)
	if err != nil {
		h.fail(c, err)
		return
	}
	setCookie(c.Writer, c.Request, setupCookie, "", -1)
	if !enabled {
		h.addFlash(c, "Two-factor sign-in is on already")
		h.redirect(c, twoFactorPath)
		return
	}
	// Whoever signed in with the password alone before is signed out
	// now; this browser gets a new session.
	n, err := h.sessions.DeleteUserSessions(ctx, v.ID)
	if err != nil {
		h.fail(c, err)
		return
	}
	if err := h.startSession(c, v.ID); err != nil {
		h.fail(c, err)
		return
	}
	h.log.WithField("request_id", httpserver.RequestID(ctx)).WithField("user_id", v.ID).
		WithField("sessions_ended", n).Info("two-factor sign-in turned on")
	h.render(c, h.tf.pages.settings, twoFactorData{layout: h.layout(c), On: true, CodesLeft: len(codes), NewCodes: codes})
}

// disableTwoFactor turns two-factor sign-in off given a current code, a
// recovery code or the password. Wrong ones count as failed sign-ins, so
// a stolen session cannot be used to guess the password here.
func (h *Handler) disableTwoFactor(c *gin.Context) {
	v, ok := h.requireViewer(c)
	if !ok || !h.parseForm(c) {
		return
	}
	ctx := c.Request.Context()
	accounts, client := h.accounts(), clientAddress(c.Request)
	var throttled *account.Throttled
	if err := accounts.SecondFactorAllowed(ctx, v, client); errors.As(err, &throttled) {
		c.Header("Retry-After", strconv.FormatInt(throttled.Seconds(), 10))
		h.twoFactorPageStatus(c, http.StatusTooManyRequests, v, throttled.Error())
		return
	} else if err != nil {
		h.fail(c, err)
		return
	}
	code, pw := formValue(c, "code"), formValue(c, "password")
	proven := false
	switch {
	case code != "":
		err := h.checkSecondFactor(ctx, v.ID, code)
		if err != nil && !errors.Is(err, errCodeRefused) {
			h.fail(c, err)
			return
		}
		proven = err == nil
	case pw != "":
		proven, _ = h.hasher.Verify(v.PwHash, pw)
	}
	if !proven {
		if err := accounts.SecondFactorFailed(ctx, v, client); err != nil {
			h.fail(c, err)
			return
		}
		h.twoFactorPage(c, v, "Invalid code or password")
		return
	}
	if err := h.tf.store.DisableTOTP(ctx, v.ID); err != nil {
		h.fail(c, err)
		return
	}
	h.log.WithField("request_id", httpserver.RequestID(ctx)).WithField("user_id", v.ID).Info("two-factor sign-in turned off")
	h.addFlash(c, "Two-factor sign-in is off")
	h.redirect(c, twoFactorPath)
}

// checkSecondFactor accepts typed for userID when it is a TOTP code of a
// step not used before or an unused recovery code, and uses it up;
// errCodeRefused otherwise (also when two-factor sign-in is off).
func (h *Handler) checkSecondFactor(ctx context.Context, userID int64, typed string) error {
	sealed, lastStep, _, err := h.tf.store.TwoFactor(ctx, userID)
	if err != nil {
		return err
	}
	code := normalizeCode(typed)
	if sealed == "" || code == "" || !storable(code) {
		return errCodeRefused
	}
	if !isTOTPCode(code) {
		ok, err := h.tf.store.UseRecoveryCode(ctx, userID, recoveryHash(code))
		if err != nil {
			return err
		}
		if !ok {
			return errCodeRefused
		}
		h.log.WithField("request_id", httpserver.RequestID(ctx)).WithField("user_id", userID).Info("recovery code used")
		return nil
	}
	secret, current, ok := h.tf.box.open(userID, sealed)
	if !ok {
		// Sealed under a key no longer configured: only a recovery code
		// can help this user now.
		h.log.WithField("request_id", httpserver.RequestID(ctx)).WithField("user_id", userID).
			Error("two-factor secret does not open with the session keys")
		return errCodeRefused
	}
	step, ok := totpStep(secret, code, h.now(), lastStep)
	if !ok {
		return errCodeRefused
	}
	if ok, err := h.tf.store.AcceptTOTPStep(ctx, userID, sealed, step); err != nil || !ok {
		if err != nil {
			return err
		}
		return errCodeRefused
	}
	if !current {
		h.resealSecret(ctx, userID, sealed, secret)
	}
	return nil
}

// resealSecret seals a secret still sealed under the previous session key
// under the current one, so dropping the previous key later locks nobody
// out who signed in meanwhile. Failing does not fail the sign-in.
func (h *Handler) resealSecret(ctx context.Context, userID int64, old string, secret []byte) {
	sealed, err := h.tf.box.seal(userID, secret)
	if err == nil {
		_, err = h.tf.store.ReplaceTOTPSecret(ctx, userID, old, sealed)
	}
	if err != nil {
		h.log.WithField("request_id", httpserver.RequestID(ctx)).WithField("user_id", userID).
			WithError(err).Warn("could not seal the two-factor secret under the current key")
	}
}
