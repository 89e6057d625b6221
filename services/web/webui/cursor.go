package webui

import (
	"errors"
	"strconv"
	"strings"

	"minitwit/shared/domain"
)

// cursorParam names the query parameter of an "older messages" link. Its
// value is "<pub_date>_<id>" of the last message shown; the store enters
// its (pub_date, id) index there, so page 1000 costs what page 1 does.
const cursorParam = "before"

var errBadCursor = errors.New("malformed page cursor")

func formatCursor(m domain.Message) string {
	return strconv.FormatInt(m.PubDate.Unix(), 10) + "_" + strconv.FormatInt(m.ID, 10)
}

func parseCursor(s string) (domain.Cursor, error) {
	date, id, ok := strings.Cut(s, "_")
	if !ok {
		return domain.Cursor{}, errBadCursor
	}
	d, err1 := strconv.ParseInt(date, 10, 64)
	i, err2 := strconv.ParseInt(id, 10, 64)
	if err1 != nil || err2 != nil || i <= 0 {
		return domain.Cursor{}, errBadCursor
	}
	return domain.Cursor{PubDate: d, ID: i}, nil
}
