package webui

import (
	"html/template"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"minitwit/shared/domain"
)

// pageSize is how many messages a timeline page shows.
const pageSize = 30

type timelineData struct {
	layout
	Home, Public bool
	Profile      string // whose page, on a user's timeline
	IsSelf       bool   // the viewer's own page
	Following    bool
	FollowURL    string
	UnfollowURL  string
	Messages     template.HTML // every message, each rendered by the "message" template
	OlderURL     string        // next page; "" on the last one
	NewestURL    string        // first page; "" on it
}

// pageRequest reads the cursor of c; a malformed one answers 400 rather
// than silently showing another page than the link promised.
func (h *Handler) pageRequest(c *gin.Context) (domain.Page, bool) {
	// One extra message tells whether an older page exists, without a count.
	p := domain.Page{Limit: pageSize + 1}
	raw, ok := c.GetQuery(cursorParam)
	if !ok {
		return p, true
	}
	cur, err := parseCursor(raw)
	if err != nil {
		h.errorPage(c, http.StatusBadRequest, "That page link is not valid.")
		return p, false
	}
	p.Before = &cur
	return p, true
}

// showTimeline renders msgs (fetched with pageRequest's limit) at path.
func (h *Handler) showTimeline(c *gin.Context, path string, p domain.Page, msgs []domain.Message, d timelineData) {
	if len(msgs) > pageSize {
		msgs = msgs[:pageSize]
		d.OlderURL = path + "?" + url.Values{cursorParam: {formatCursor(msgs[pageSize-1])}}.Encode()
	}
	if p.Before != nil {
		d.NewestURL = path
	}
	d.layout = h.layout(c)
	var err error
	if d.Messages, err = h.messageHTML.render(msgs); err != nil {
		h.fail(c, err)
		return
	}
	h.render(c, h.pages.timeline, d)
}

func (h *Handler) homeTimeline(c *gin.Context) {
	v, ok := viewer(c)
	if !ok {
		h.redirect(c, "/public")
		return
	}
	p, ok := h.pageRequest(c)
	if !ok {
		return
	}
	msgs, err := h.messages.HomeTimeline(c.Request.Context(), v.ID, p)
	if err != nil {
		h.fail(c, err)
		return
	}
	h.showTimeline(c, "/", p, msgs, timelineData{Home: true})
}

func (h *Handler) publicTimeline(c *gin.Context) {
	p, ok := h.pageRequest(c)
	if !ok {
		return
	}
	msgs, err := h.messages.PublicTimeline(c.Request.Context(), p)
	if err != nil {
		h.fail(c, err)
		return
	}
	h.showTimeline(c, "/public", p, msgs, timelineData{Public: true})
}

func (h *Handler) userTimeline(c *gin.Context) {
	name := c.Param("username")
	if !storable(name) {
		h.errorPage(c, http.StatusNotFound, "")
		return
	}
	p, ok := h.pageRequest(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	profile, err := h.users.UserByName(ctx, name)
	if err != nil {
		h.fail(c, err)
		return
	}
	path := userPath(profile.Username)
	d := timelineData{Profile: profile.Username, FollowURL: path + "/follow", UnfollowURL: path + "/unfollow"}
	if v, ok := viewer(c); ok {
		d.IsSelf = v.ID == profile.ID
		if !d.IsSelf {
			d.Following, err = h.follows.IsFollowing(ctx, v.Username, profile.Username)
			if err != nil {
				h.fail(c, err)
				return
			}
		}
	}
	msgs, err := h.messages.UserTimeline(ctx, profile.ID, p)
	if err != nil {
		h.fail(c, err)
		return
	}
	h.showTimeline(c, path, p, msgs, d)
}
