package scenario

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Tabs separate fields and newlines separate lines, so both are written as
// backslash escapes inside a field; the backslash itself is doubled so that
// a literal `\t` in a password survives a round trip. Carriage returns are
// escaped too so that a file edited on Windows (CRLF endings) can be told
// apart from a field that really ends in '\r'.
const specials = "\\\t\n\r"

func escapeField(s string) string {
	if !strings.ContainsAny(s, specials) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// unescapeField rejects any escape other than the four it knows: a lone
// backslash in a hand-edited file is far more likely a mistake (an
// unescaped password) than an intent, and guessing would silently change
// what gets sent.
func unescapeField(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		if i+1 == len(s) {
			return "", fmt.Errorf("backslash at end of field (write \\\\ for a literal backslash)")
		}
		i++
		switch s[i] {
		case '\\':
			b.WriteByte('\\')
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		default:
			r, _ := utf8.DecodeRuneInString(s[i:])
			return "", fmt.Errorf("unknown escape \\%c (only \\\\, \\t, \\n and \\r are allowed)", r)
		}
	}
	return b.String(), nil
}
