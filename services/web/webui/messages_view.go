package webui

import (
	"bytes"
	"html/template"
	"net/url"
	"strings"
	"sync"
	"time"

	"minitwit/shared/domain"
)

// messageView is one message as a timeline shows it.
type messageView struct {
	Author    string
	AuthorURL string
	Avatar    string // this site's identicon of the author
	Avatar2x  string // the same at twice the size, for high-density screens
	Text      string
	Time      string // YYYY-MM-DD @ HH:MM, UTC
	DateTime  string // RFC 3339, for <time datetime>
}

func newMessageView(m domain.Message, av *avatars) messageView {
	t := m.PubDate.UTC()
	src, src2x := av.urls(m.AuthorID)
	return messageView{
		Author:    m.Author,
		AuthorURL: userPath(m.Author),
		Avatar:    src,
		Avatar2x:  src2x,
		Text:      m.Text,
		Time:      t.Format("2006-01-02 @ 15:04"),
		DateTime:  t.Format(time.RFC3339),
	}
}

// messageHTML renders timeline messages with the "message" template and
// remembers each result. Executing html/template per message field was
// most of a timeline page's CPU (eight escaper calls through reflection per
// message); the same messages appear on every view of the public and home
// timelines. The memo is not a cache of the database: every page still
// reads its messages, and an entry is used only when every input of the
// fragment (author, author id, text, time) equals the row just read, so it
// can never show something the database no longer says. Entries are keyed
// by message id and kept in two generations of at most messageMemoSize
// each, so memory stays bounded and recently shown messages stay.
type messageHTML struct {
	tmpl     *template.Template
	avatars  *avatars
	mu       sync.Mutex
	cur, old map[int64]renderedMessage
}

const messageMemoSize = 20_000

type renderedMessage struct {
	src  fragmentInput
	html template.HTML
}

// fragmentInput is everything the fragment of a message depends on.
type fragmentInput struct {
	author, text      string
	authorID, pubDate int64
}

func inputOf(m domain.Message) fragmentInput {
	return fragmentInput{author: m.Author, authorID: m.AuthorID, text: m.Text, pubDate: m.PubDate.Unix()}
}

func newMessageHTML(t *template.Template, av *avatars) *messageHTML {
	return &messageHTML{tmpl: t, avatars: av, cur: map[int64]renderedMessage{}, old: map[int64]renderedMessage{}}
}

// render returns the fragments of msgs, in order, as one piece of HTML (one
// template action for the whole list).
func (r *messageHTML) render(msgs []domain.Message) (template.HTML, error) {
	parts, err := r.fragments(msgs)
	if err != nil {
		return "", err
	}
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	var b strings.Builder
	b.Grow(n)
	for _, p := range parts {
		b.WriteString(string(p))
	}
	return template.HTML(b.String()), nil
}

// fragments returns the fragment of each of msgs, in order.
func (r *messageHTML) fragments(msgs []domain.Message) ([]template.HTML, error) {
	out := make([]template.HTML, len(msgs))
	var missing []int
	r.mu.Lock()
	for i, m := range msgs {
		if h, ok := r.lookup(m.ID, inputOf(m)); ok {
			out[i] = h
		} else {
			missing = append(missing, i)
		}
	}
	r.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	var buf bytes.Buffer
	fresh := make([]renderedMessage, len(missing))
	for j, i := range missing {
		buf.Reset()
		if err := r.tmpl.Execute(&buf, newMessageView(msgs[i], r.avatars)); err != nil {
			return nil, err
		}
		out[i] = template.HTML(buf.String())
		fresh[j] = renderedMessage{src: inputOf(msgs[i]), html: out[i]}
	}
	r.mu.Lock()
	for j, i := range missing {
		r.store(msgs[i].ID, fresh[j])
	}
	r.mu.Unlock()
	return out, nil
}

// lookup finds id's fragment if it was made from exactly in; r.mu is held.
func (r *messageHTML) lookup(id int64, in fragmentInput) (template.HTML, bool) {
	if e, ok := r.cur[id]; ok && e.src == in {
		return e.html, true
	}
	if e, ok := r.old[id]; ok && e.src == in {
		r.store(id, e)
		return e.html, true
	}
	return "", false
}

// store keeps e as id's fragment; r.mu is held.
func (r *messageHTML) store(id int64, e renderedMessage) {
	if len(r.cur) >= messageMemoSize {
		r.old, r.cur = r.cur, make(map[int64]renderedMessage, messageMemoSize)
	}
	r.cur[id] = e
}

// userPath is the address of a user's page. Escaping keeps names holding
// spaces, "/", "?" or "#" one path segment.
func userPath(username string) string {
	return "/" + url.PathEscape(username)
}
