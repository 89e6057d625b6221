package webui

import (
	"time"

	"github.com/gin-gonic/gin"
)

const (
	flashCookie   = "minitwit_flash"
	flashPurpose  = "flash"
	flashLifetime = 10 * time.Minute
	flashAdded    = "webui.flash.added"
	flashTaken    = "webui.flash.taken"
)

// flashes are messages for the next page shown, carried in a signed cookie
// so any replica can show them. Signing keeps other sites from planting text.
type flashes struct {
	Messages []string `json:"m"`
	Expires  int64    `json:"exp"`
}

// pendingFlashes are the flashes the request arrived with.
func (h *Handler) pendingFlashes(c *gin.Context) []string {
	v, ok := readCookie(c.Request, flashCookie)
	if !ok {
		return nil
	}
	var f flashes
	if !h.cookies.decode(flashPurpose, v, &f) || h.now().Unix() >= f.Expires {
		return nil
	}
	return f.Messages
}

// addFlash queues msg for the next page shown, after any still unseen ones.
func (h *Handler) addFlash(c *gin.Context, msg string) {
	var msgs []string
	if v, ok := c.Get(flashAdded); ok {
		msgs = v.([]string)
	} else if !c.GetBool(flashTaken) {
		msgs = h.pendingFlashes(c)
	}
	c.Set(flashAdded, append(msgs, msg))
}

// takeFlashes returns the pending flashes and marks them shown; the
// response that shows them clears the cookie.
func (h *Handler) takeFlashes(c *gin.Context) []string {
	if c.GetBool(flashTaken) {
		return nil
	}
	msgs := h.pendingFlashes(c)
	if _, ok := readCookie(c.Request, flashCookie); ok {
		c.Set(flashTaken, true)
	}
	return msgs
}

// commitFlashes writes the flash cookie for this response: the queued
// messages, or a deletion once the pending ones were shown.
func (h *Handler) commitFlashes(c *gin.Context) {
	if v, ok := c.Get(flashAdded); ok {
		msgs := v.([]string)
		for len(msgs) > 0 {
			val, err := h.cookies.encode(flashPurpose, flashes{Messages: msgs, Expires: h.now().Add(flashLifetime).Unix()})
			if err == nil && len(val) <= maxCookieValue {
				setCookie(c.Writer, c.Request, flashCookie, val, int(flashLifetime/time.Second))
				return
			}
			// Too large for a cookie: the oldest messages give way.
			msgs = msgs[1:]
		}
	}
	if c.GetBool(flashTaken) {
		setCookie(c.Writer, c.Request, flashCookie, "", -1)
	}
}
