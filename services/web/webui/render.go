package webui

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"

	"github.com/gin-gonic/gin"

	"minitwit/shared/domain"
	"minitwit/shared/httpserver"
)

//go:embed templates/*.html static/style.css
var assets embed.FS

// pages holds one template set per page, each the layout plus that page's
// "content" (and optional "title"), parsed once at start.
type pages struct {
	timeline  *template.Template
	login     *template.Template
	register  *template.Template
	errorPage *template.Template
}

func parsePages() (pages, error) {
	var p pages
	for _, pg := range []struct {
		dst  **template.Template
		file string
	}{
		{&p.timeline, "timeline.html"},
		{&p.login, "login.html"},
		{&p.register, "register.html"},
		{&p.errorPage, "error.html"},
	} {
		t, err := parsePage(pg.file)
		if err != nil {
			return pages{}, err
		}
		*pg.dst = t
	}
	return p, nil
}

func parsePage(file string) (*template.Template, error) {
	return template.New("layout.html").ParseFS(assets, "templates/layout.html", "templates/"+file)
}

// layout is what every page shows around its content.
type layout struct {
	Viewer  string // signed-in username; "" when signed out
	Flashes []string
	CSS     string
}

// layout collects the navigation and the pending flashes, which are
// cleared by the response that shows them.
func (h *Handler) layout(c *gin.Context) layout {
	l := layout{Flashes: h.takeFlashes(c), CSS: h.cssURL}
	if v, ok := viewer(c); ok {
		l.Viewer = v.Username
	}
	return l
}

// securityHeaders keep pages out of caches (they depend on the session),
// out of frames, and limit what they may load to this site.
var securityHeaders = map[string]string{
	"Cache-Control":           "no-store",
	"X-Content-Type-Options":  "nosniff",
	"X-Frame-Options":         "DENY",
	"Referrer-Policy":         "same-origin",
	"Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}

// renderStatus executes t into a buffer and writes it only when complete,
// so a failed render becomes a clean error page instead of half a page.
func (h *Handler) renderStatus(c *gin.Context, status int, t *template.Template, data any) {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		h.log.WithField("request_id", httpserver.RequestID(c.Request.Context())).
			WithField("template", t.Name()).WithError(err).Error("render page")
		_ = c.Error(err)
		status = http.StatusInternalServerError
		buf.Reset()
		fallback := errorData{layout: layout{CSS: h.cssURL}, Title: errorTexts[status].title, Text: errorTexts[status].text}
		if err := h.pages.errorPage.Execute(&buf, fallback); err != nil {
			buf.Reset()
			buf.WriteString("Internal Error\n")
		}
	}
	for k, v := range securityHeaders {
		c.Header(k, v)
	}
	h.commitFlashes(c)
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

func (h *Handler) render(c *gin.Context, t *template.Template, data any) {
	h.renderStatus(c, http.StatusOK, t, data)
}

// redirect answers 302 like the original MiniTwit did; browsers and
// scripted clients alike follow it with a GET.
func (h *Handler) redirect(c *gin.Context, location string) {
	h.commitFlashes(c)
	c.Redirect(http.StatusFound, location)
	c.Abort()
}

const viewerKey = "webui.viewer"

// viewer is the signed-in user of this request, if any.
func viewer(c *gin.Context) (domain.User, bool) {
	v, ok := c.Get(viewerKey)
	if !ok {
		return domain.User{}, false
	}
	u, ok := v.(domain.User)
	return u, ok
}
