package webui

import (
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// storable tells whether s can be stored and looked up as is: PostgreSQL
// refuses invalid UTF-8 and NUL bytes, so such input never reaches it.
func storable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// cleanText makes free text storable, keeping everything else as typed.
func cleanText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// parseForm reads the request body once; a body over the limit answers 413
// instead of passing for an empty form.
func (h *Handler) parseForm(c *gin.Context) bool {
	if err := c.Request.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			h.errorPage(c, http.StatusRequestEntityTooLarge, "")
		} else {
			h.errorPage(c, http.StatusBadRequest, "")
		}
		return false
	}
	return true
}

// formValue is a field of the request body (never of the query string).
func formValue(c *gin.Context, name string) string {
	return c.Request.PostForm.Get(name)
}
