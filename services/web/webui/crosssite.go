package webui

import (
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
// well; "none" is a typed address or bookmark and passes.
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
