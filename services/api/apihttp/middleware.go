package apihttp

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
)

// requireSimulator refuses any request without the simulator's Basic
// credentials. The comparisons are of SHA-256 digests in constant time, so
// neither the content nor the length of the credentials shows in the
// response time (ConstantTimeCompare returns at once on a length
// mismatch). It is not throttled: it is one credential shared with the
// simulator, not a person's password, and counting failures against it
// would let anyone lock the simulator out; it must be a long random
// secret where the API is exposed (issue 9, docs/security.md).
func (h *Handler) requireSimulator(c *gin.Context) {
	user, pw, ok := c.Request.BasicAuth()
	userOK := sameSecret(user, h.SimulatorUser)
	pwOK := sameSecret(pw, h.SimulatorPassword)
	if !ok || !userOK || !pwOK {
		writeError(c, http.StatusForbidden, msgUnauthorized)
		return
	}
	c.Next()
}

func sameSecret(got, want string) bool {
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// storeLatest records the "latest" query parameter, whether the request
// then succeeds or fails validation, and answers only once it is stored.
//
// For a read it is stored before the handler runs. For a simulator action
// (POST) it is stored while the handler runs, on another connection: the
// two durable commits then share one WAL flush instead of waiting for two
// in a row, which was half of an action's server time. That is safe
// because nothing reaches the client before this returns: the actions
// answer 204 without a body, or a short error body that stays in the
// server's response buffer until the handler chain ends, and a failure to
// store the id still turns the answer into an error as before (the
// action itself may then have happened, which an action failing mid-way
// could always do).
func (h *Handler) storeLatest(c *gin.Context) {
	raw, ok := c.GetQuery("latest")
	if !ok {
		return
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return
	}
	ctx := c.Request.Context()
	if c.Request.Method != http.MethodPost {
		if err := h.Latest.SetLatest(ctx, id); err != nil {
			fail(c, err)
			return
		}
		h.Metrics.LatestID.Set(float64(id))
		return
	}
	stored := make(chan error, 1)
	go func() { stored <- h.Latest.SetLatest(ctx, id) }()
	c.Next()
	if err := <-stored; err != nil {
		if c.Writer.Written() {
			_ = c.Error(err) // the answer is an error already; the access log shows this one too
			return
		}
		fail(c, err)
		return
	}
	h.Metrics.LatestID.Set(float64(id))
}

// limitParam reads "no": missing or not an integer means 100, negative is a
// 400, above 10 000 is clamped.
func limitParam(c *gin.Context) (int, bool) {
	raw, ok := c.GetQuery("no")
	if !ok {
		return defaultLimit, true
	}
	n, err := strconv.Atoi(raw)
	switch {
	case err != nil:
		return defaultLimit, true
	case n < 0:
		writeError(c, http.StatusBadRequest, "The parameter no must not be negative")
		return 0, false
	case n > maxLimit:
		return maxLimit, true
	}
	return n, true
}

const (
	defaultLimit = 100
	maxLimit     = 10_000
)
