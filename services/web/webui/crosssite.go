package webui

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"minitwit/shared/httpserver"
)

// refuseCrossSite answers 403 to a state-changing request that a browser
// marks as coming from another origin ("cross-site", and also "same-site":
// a sibling subdomain is not this application). Scripted clients send no
// fetch metadata and pass. For POST, net/http's CrossOriginProtection also
// compares Origin with Host when an older browser sends no Sec-Fetch-Site,
// so a gateway must pass the original Host through.
//
// GET follow/unfollow and logout change state too (the contract keeps them
// for scripted clients), so a cross-site navigation to them is refused as
// well. "none" (a typed address, a bookmark, or a link opened from a mail or
// chat app) passes here and meets confirmFromOutside instead.
func (h *Handler) refuseCrossSite(c *gin.Context) {
	if h.crossSite(c.Request) {
		h.log.WithField("request_id", httpserver.RequestID(c.Request.Context())).
			WithField("route", c.FullPath()).
			WithField("sec_fetch_site", c.Request.Header.Get("Sec-Fetch-Site")).
			Info("refused cross-site request")
		h.errorPage(c, http.StatusForbidden, "")
		return
	}
	c.Next()
}

func (h *Handler) crossSite(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		switch r.Header.Get("Sec-Fetch-Site") {
		case "", "same-origin", "none":
			return false
		}
		return true
	}
	return h.origin.Check(r) != nil
}

// confirmFromOutside stops a GET follow, unfollow or logout that the
// browser made with Sec-Fetch-Site "none" (nothing of ours asked for it: a
// link in a mail or chat app, a typed address) and shows a page with a
// button that POSTs the same request instead, so acting takes a click on
// our own page. Scripted clients send no fetch metadata and act at once, as
// the contract requires; so do links and forms on our own pages
// ("same-origin"). A visitor with no session is let through: the request
// changes nothing for them (follow answers 401, logout only clears cookies).
func (h *Handler) confirmFromOutside(c *gin.Context) {
	if c.Request.Method != http.MethodGet || c.Request.Header.Get("Sec-Fetch-Site") != "none" {
		c.Next()
		return
	}
	if _, ok := viewer(c); !ok {
		if _, has := readCookie(c.Request, sessionCookie); !has {
			c.Next()
			return
		}
	}
	d := confirmData{layout: h.layout(c), Action: c.Request.URL.EscapedPath()}
	switch c.FullPath() {
	case "/:username/follow":
		d.Question, d.Button = fmt.Sprintf(`Follow "%s"?`, c.Param("username")), "Follow user"
	case "/:username/unfollow":
		d.Question, d.Button = fmt.Sprintf(`Stop following "%s"?`, c.Param("username")), "Unfollow user"
	default:
		d.Question, d.Button = "Sign out of MiniTwit?", "Sign out"
	}
	h.render(c, h.sessionPages.confirm, d)
	c.Abort()
}

type confirmData struct {
	layout
	Question string
	Action   string // the path the button POSTs to, escaped
	Button   string
}
