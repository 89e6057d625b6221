package webui

import (
	"crypto/md5"
	"encoding/hex"
	"net/url"
	"strings"
	"time"

	"minitwit/shared/domain"
)

// messageView is one message as a timeline shows it.
type messageView struct {
	Author    string
	AuthorURL string
	Avatar    string
	Text      string
	Time      string // YYYY-MM-DD @ HH:MM, UTC
	DateTime  string // RFC 3339, for <time datetime>
}

func viewMessages(msgs []domain.Message) []messageView {
	out := make([]messageView, len(msgs))
	for i, m := range msgs {
		t := m.PubDate.UTC()
		out[i] = messageView{
			Author:    m.Author,
			AuthorURL: userPath(m.Author),
			Avatar:    gravatarURL(m.Email),
			Text:      m.Text,
			Time:      t.Format("2006-01-02 @ 15:04"),
			DateTime:  t.Format(time.RFC3339),
		}
	}
	return out
}

// gravatarURL is the identicon avatar Gravatar serves for email. MD5 is what
// Gravatar keys avatars by; it protects nothing here.
func gravatarURL(email string) string {
	sum := md5.Sum([]byte(strings.ToLower(strings.TrimSpace(email))))
	return "https://www.gravatar.com/avatar/" + hex.EncodeToString(sum[:]) + "?d=identicon&s=48"
}

// userPath is the address of a user's page. Escaping keeps names holding
// spaces, "/", "?" or "#" one path segment.
func userPath(username string) string {
	return "/" + url.PathEscape(username)
}
