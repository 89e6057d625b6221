package webui

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"minitwit/shared/domain"
	"minitwit/shared/httpserver"
)

const (
	sessionCookie   = "minitwit_session"
	sessionPurpose  = "session"
	sessionLifetime = 30 * 24 * time.Hour
	// sessionTokenBytes is the random token's size: 256 bits, beyond guessing.
	sessionTokenBytes = 32
	// purgeEvery and purgeBatch bound the clean-up of expired sessions that
	// sign-ins do now and then: one batch per replica per interval, or per
	// sign-in while full batches show that more expired rows are left.
	purgeEvery = time.Hour
	purgeBatch = 1000
)

// SessionStore keeps the server side of sessions (store.Store implements
// it). A session is valid while its row exists and has not expired, so
// deleting rows ends sessions on every replica at once.
type SessionStore interface {
	CreateSession(ctx context.Context, tokenHash string, userID int64, created, expires time.Time) error
	// SessionUser returns domain.ErrNotFound for an unknown or expired
	// session, or one whose user is gone.
	SessionUser(ctx context.Context, tokenHash string, now time.Time) (domain.User, error)
	DeleteSession(ctx context.Context, tokenHash string) error
	DeleteUserSessions(ctx context.Context, userID int64) (int64, error)
	PurgeExpiredSessions(ctx context.Context, now time.Time, limit int) (int64, error)
	// ChangePassword sets a new hash and ends every session of the user
	// in one transaction.
	ChangePassword(ctx context.Context, userID int64, hash string) (int64, error)
}

// sessionCookieValue is all a session cookie carries: the random token,
// base64url. Who is signed in and until when is on the server. The cookie
// is still signed, so a forged or damaged one is refused without a query
// and a key rotation can end every session at once.
type sessionCookieValue struct {
	Token string `json:"t"`
}

// decodeSessionCookie returns the random token in a session cookie's value,
// or false unless s signed it for sessions and it holds exactly
// sessionTokenBytes bytes. It touches nothing else (a fuzz target calls it).
func decodeSessionCookie(s signer, value string) ([]byte, bool) {
	var v sessionCookieValue
	if !s.decode(sessionPurpose, value, &v) {
		return nil, false
	}
	token, ok := decodeExact(v.Token)
	if !ok || len(token) != sessionTokenBytes {
		return nil, false
	}
	return token, true
}

// tokenHash is the key of a session row: hex SHA-256 of the token, so the
// table alone signs nobody in.
func tokenHash(token []byte) string {
	sum := sha256.Sum256(token)
	return hex.EncodeToString(sum[:])
}

// sessionToken is the token of the request's session cookie, if it holds a
// well-formed signed one.
func (h *Handler) sessionToken(c *gin.Context) ([]byte, bool) {
	v, ok := readCookie(c.Request, sessionCookie)
	if !ok {
		return nil, false
	}
	return decodeSessionCookie(h.cookies, v)
}

// startSession signs userID in on this browser: a new session row and a
// cookie holding its token. H3's second factor calls it too.
func (h *Handler) startSession(c *gin.Context, userID int64) error {
	token := make([]byte, sessionTokenBytes)
	if _, err := rand.Read(token); err != nil {
		return err
	}
	ctx := c.Request.Context()
	now := h.now()
	h.purgeExpiredSessions(c, now)
	if err := h.sessions.CreateSession(ctx, tokenHash(token), userID, now, now.Add(sessionLifetime)); err != nil {
		return err
	}
	v, err := h.cookies.encode(sessionPurpose, sessionCookieValue{Token: base64.RawURLEncoding.EncodeToString(token)})
	if err != nil {
		return err
	}
	setCookie(c.Writer, c.Request, sessionCookie, v, int(sessionLifetime/time.Second))
	return nil
}

// endSession ends the request's session on the server, so a copy of the
// cookie is worthless from now on, and asks the browser to drop the cookie.
func (h *Handler) endSession(c *gin.Context) error {
	if token, ok := h.sessionToken(c); ok {
		if err := h.sessions.DeleteSession(c.Request.Context(), tokenHash(token)); err != nil {
			return err
		}
	}
	h.dropSessionCookie(c)
	return nil
}

func (h *Handler) dropSessionCookie(c *gin.Context) {
	setCookie(c.Writer, c.Request, sessionCookie, "", -1)
}

// sessionPurge spaces out the clean-up of expired session rows.
type sessionPurge struct {
	next atomic.Int64 // Unix seconds before which no purge runs
}

// purgeExpiredSessions deletes a bounded batch of expired sessions at most
// once per purgeEvery on this replica. Failing does not fail the sign-in:
// an expired row is never honoured anyway, only kept too long.
func (h *Handler) purgeExpiredSessions(c *gin.Context, now time.Time) {
	next := h.purge.next.Load()
	if now.Unix() < next || !h.purge.next.CompareAndSwap(next, now.Add(purgeEvery).Unix()) {
		return
	}
	n, err := h.sessions.PurgeExpiredSessions(c.Request.Context(), now, purgeBatch)
	log := h.log.WithField("request_id", httpserver.RequestID(c.Request.Context()))
	if err != nil {
		log.WithError(err).Warn("could not purge expired sessions")
		return
	}
	if n > 0 {
		log.WithField("sessions", n).Info("purged expired sessions")
	}
	if n >= purgeBatch {
		// More may be left: the next sign-in takes the next batch, so the
		// clean-up keeps up with any rate of sign-ins, one batch at a time.
		h.purge.next.Store(0)
	}
}

// loadViewer notes the signed-in user in c: one statement, the session
// joined with its user. An ended or expired session, or one of a user that
// no longer exists, signs nobody in and its cookie is dropped.
func (h *Handler) loadViewer(c *gin.Context) error {
	token, ok := h.sessionToken(c)
	if !ok {
		return nil
	}
	u, err := h.sessions.SessionUser(c.Request.Context(), tokenHash(token), h.now())
	if errors.Is(err, domain.ErrNotFound) {
		h.dropSessionCookie(c)
		return nil
	}
	if err != nil {
		return err
	}
	c.Set(viewerKey, u)
	c.Set(httpserver.UserKey, u.Username)
	return nil
}

// withViewer is the middleware form of loadViewer.
func (h *Handler) withViewer(c *gin.Context) {
	if err := h.loadViewer(c); err != nil {
		h.fail(c, err)
		return
	}
	c.Next()
}

// requireViewer answers 401 when nobody is signed in.
func (h *Handler) requireViewer(c *gin.Context) (domain.User, bool) {
	v, ok := viewer(c)
	if !ok {
		h.errorPage(c, http.StatusUnauthorized, "")
	}
	return v, ok
}
