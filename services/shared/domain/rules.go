package domain

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// The one rule set for users and messages. The web UI and the API both
// apply it (through package account for users), so a name or a message one
// of them accepts the other accepts too, and nothing reaches the database
// that it would refuse (PostgreSQL rejects invalid UTF-8 and NUL).
const (
	// MaxUsernameRunes and MaxUsernameBytes bound a name: short enough
	// to show in a page title, and within the users.username column.
	MaxUsernameRunes = 64
	MaxUsernameBytes = 255
	// MaxEmailBytes is the longest address SMTP can deliver to (RFC 5321).
	MaxEmailBytes = 254
	// MaxPasswordBytes is bcrypt's limit; longer passwords would be cut.
	MaxPasswordBytes = 72
	// MinWebPasswordRunes is the shortest password a web registration
	// accepts. The simulator API's contract accepts any non-empty one.
	MinWebPasswordRunes = 8
	// MaxMessageRunes is the longest message, in characters, either
	// service stores.
	MaxMessageRunes = 1000
)

// RuleError is a broken rule. Its text is fit to show to the person who
// typed the input; errors.Is(err, ErrInvalid) holds for every one.
type RuleError struct{ msg string }

func (e *RuleError) Error() string { return e.msg }

// Unwrap makes every rule error an ErrInvalid.
func (e *RuleError) Unwrap() error { return ErrInvalid }

func ruleError(msg string) *RuleError { return &RuleError{msg: msg} }

// The broken rules, one value each, so callers can map the ones their
// contract words differently with errors.Is.
var (
	ErrNameEmpty      = ruleError("You have to enter a username")
	ErrNameTooLong    = ruleError("The username must be at most 64 characters long")
	ErrNameCharacters = ruleError("The username must not contain control or invisible characters")
	ErrNameSpaces     = ruleError("The username must not start or end with a space")
	ErrNameScripts    = ruleError("Each word of the username must be written in one alphabet (no Latin, Cyrillic and Greek letters mixed in one word)")

	ErrEmailInvalid = ruleError("You have to enter a valid email address")
	ErrEmailTooLong = ruleError("The email address must be at most 254 bytes long")

	ErrPasswordEmpty      = ruleError("You have to enter a password")
	ErrPasswordTooShort   = ruleError("The password must be at least 8 characters long")
	ErrPasswordTooLong    = ruleError("The password must be at most 72 bytes long")
	ErrPasswordCharacters = ruleError("The password must be valid text without NUL characters")

	ErrMessageEmpty      = ruleError("You have to enter a message content")
	ErrMessageTooLong    = ruleError("A message must be at most 1000 characters long")
	ErrMessageCharacters = ruleError("A message must be valid text without control characters")
)

// NormalizeUsername returns name in Unicode NFC, the form usernames are
// stored and looked up in, or the rule it breaks: empty, not UTF-8,
// control or invisible (format) characters, leading or trailing space,
// Latin, Cyrillic and Greek letters mixed in one word (look-alikes such
// as "аlice" with a Cyrillic а), or too long.
func NormalizeUsername(name string) (string, error) {
	if name == "" {
		return "", ErrNameEmpty
	}
	if !utf8.ValidString(name) {
		return "", ErrNameCharacters
	}
	// The bound on the raw input keeps normalisation of a huge string
	// cheap; the real bound is checked on the result.
	if len(name) > 4*MaxUsernameBytes {
		return "", ErrNameTooLong
	}
	n := norm.NFC.String(name)
	for _, r := range n {
		if invisible(r) {
			return "", ErrNameCharacters
		}
	}
	first, _ := utf8.DecodeRuneInString(n)
	last, _ := utf8.DecodeLastRuneInString(n)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return "", ErrNameSpaces
	}
	if utf8.RuneCountInString(n) > MaxUsernameRunes || len(n) > MaxUsernameBytes {
		return "", ErrNameTooLong
	}
	for _, word := range strings.FieldsFunc(n, unicode.IsSpace) {
		if mixedScripts(word) {
			return "", ErrNameScripts
		}
	}
	return n, nil
}

// invisible tells control characters (NUL included), format characters
// such as zero-width spaces and joiners or bidirectional overrides, and
// characters that are not assigned or private use: nothing a reader can
// see or tell apart.
func invisible(r rune) bool {
	return r == utf8.RuneError || unicode.IsControl(r) ||
		unicode.In(r, unicode.Cf, unicode.Co, unicode.Cs, unicode.Zl, unicode.Zp) ||
		!unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Zs) ||
		r == '\u3164' || r == '\uFFA0' || r == '\u115F' || r == '\u1160' // Hangul fillers render as blanks
}

// confusable are the scripts whose letters look alike; one word mixing
// them is a look-alike, while a name mixing, say, Latin and Han words or a
// Japanese word of Han and Kana is ordinary.
var confusable = []*unicode.RangeTable{unicode.Latin, unicode.Cyrillic, unicode.Greek}

func mixedScripts(word string) bool {
	seen := -1
	for _, r := range word {
		for i, t := range confusable {
			if unicode.Is(t, r) {
				if seen >= 0 && seen != i {
					return true
				}
				seen = i
			}
		}
	}
	return false
}

// NameKey is the key two usernames collide on: the NFKC form case-folded,
// so names differing only in case, composition or width (alice, Alice,
// ａｌｉｃｅ; composed and decomposed Ångström) are one account. name should
// have passed NormalizeUsername.
func NameKey(name string) string {
	return norm.NFKC.String(cases.Fold().String(norm.NFKC.String(name)))
}

// CheckEmail checks an address's shape (something@something, no spaces or
// control characters) and length.
func CheckEmail(email string) error {
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" || domain == "" || !utf8.ValidString(email) {
		return ErrEmailInvalid
	}
	for _, r := range email {
		if invisible(r) || unicode.IsSpace(r) {
			return ErrEmailInvalid
		}
	}
	if len(email) > MaxEmailBytes {
		return ErrEmailTooLong
	}
	return nil
}

// CheckPassword checks a new password: not empty, at least minLen
// characters, at most bcrypt's 72 bytes, valid UTF-8 without NUL.
func CheckPassword(pw string, minLen int) error {
	switch {
	case pw == "":
		return ErrPasswordEmpty
	case !utf8.ValidString(pw) || strings.ContainsRune(pw, 0):
		return ErrPasswordCharacters
	case utf8.RuneCountInString(pw) < minLen:
		return ErrPasswordTooShort
	case len(pw) > MaxPasswordBytes:
		return ErrPasswordTooLong
	}
	return nil
}

// CheckMessage returns the text to store: non-empty once surrounding space
// is ignored, valid UTF-8, no control characters but newline, carriage
// return and tab, at most MaxMessageRunes characters. The text is stored
// exactly as typed, surrounding space included.
func CheckMessage(text string) (string, error) {
	if strings.TrimSpace(text) == "" {
		return "", ErrMessageEmpty
	}
	if !utf8.ValidString(text) {
		return "", ErrMessageCharacters
	}
	for _, r := range text {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return "", ErrMessageCharacters
		}
	}
	if utf8.RuneCountInString(text) > MaxMessageRunes {
		return "", ErrMessageTooLong
	}
	return text, nil
}
