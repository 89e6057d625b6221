package apihttp

import (
	"crypto/subtle"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
)

// requireSimulator refuses any request without the simulator's Basic
// credentials. Comparisons are constant-time.
func (h *Handler) requireSimulator(c *gin.Context) {
	user, pw, ok := c.Request.BasicAuth()
	userOK := subtle.ConstantTimeCompare([]byte(user), []byte(h.SimulatorUser)) == 1
	pwOK := subtle.ConstantTimeCompare([]byte(pw), []byte(h.SimulatorPassword)) == 1
	if !ok || !userOK || !pwOK {
		writeError(c, http.StatusForbidden, msgUnauthorized)
		return
	}
	c.Next()
}

// storeLatest records the "latest" query parameter before the handler runs,
// so it is stored whether the request then succeeds or fails validation.
func (h *Handler) storeLatest(c *gin.Context) {
	raw, ok := c.GetQuery("latest")
	if !ok {
		return
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return
	}
	if err := h.Latest.SetLatest(c.Request.Context(), id); err != nil {
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
