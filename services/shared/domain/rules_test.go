package domain_test

import (
	"errors"
	"strings"
	"testing"

	"minitwit/shared/domain"
)

func TestNormalizeUsername(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{"alice", "alice", nil},
		{"Alice", "Alice", nil},
		{"Roger Histand", "Roger Histand", nil},
		{"Zoë Ångström", "Zoë Ångström", nil},
		{"A\u030Angstr\u00F6m", "\u00C5ngstr\u00F6m", nil}, // decomposed Å becomes composed
		{"Дмитрий Histand", "Дмитрий Histand", nil},        // one script per word is fine
		{"Ολυμπία Smith", "Ολυμπία Smith", nil},
		{"名前 テスト", "名前 テスト", nil},
		{"a/b%c", "a/b%c", nil},
		{"O'Brien \"Q\" <x>", "O'Brien \"Q\" <x>", nil},
		{strings.Repeat("é", 64), strings.Repeat("é", 64), nil},
		{"", "", domain.ErrNameEmpty},
		{"alice ", "", domain.ErrNameSpaces},
		{" alice", "", domain.ErrNameSpaces},
		{"\u00A0alice", "", domain.ErrNameSpaces},
		{"\u0430lice", "", domain.ErrNameScripts},  // Cyrillic а
		{"p\u03B1ypal", "", domain.ErrNameScripts}, // Greek α
		{"alice\u200B", "", domain.ErrNameCharacters},
		{"al\u200Dice", "", domain.ErrNameCharacters},
		{"al\u202Eice", "", domain.ErrNameCharacters},
		{"a\x00b", "", domain.ErrNameCharacters},
		{"a\tb", "", domain.ErrNameCharacters},
		{"a\nb", "", domain.ErrNameCharacters},
		{"a\xffb", "", domain.ErrNameCharacters},
		{"\u3164", "", domain.ErrNameCharacters},
		{strings.Repeat("a", 65), "", domain.ErrNameTooLong},
		{strings.Repeat("a", 300), "", domain.ErrNameTooLong},
		{strings.Repeat("😀", 64), "", domain.ErrNameTooLong}, // 256 bytes
	}
	for _, tt := range tests {
		got, err := domain.NormalizeUsername(tt.in)
		if got != tt.want || err != tt.err {
			t.Errorf("NormalizeUsername(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
		if err != nil && !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("NormalizeUsername(%q): %v is not ErrInvalid", tt.in, err)
		}
	}
}

// The look-alikes: each is either refused or lands on alice's key.
func TestNameKeyLookAlikes(t *testing.T) {
	key := func(s string) string {
		n, err := domain.NormalizeUsername(s)
		if err != nil {
			return "refused"
		}
		return domain.NameKey(n)
	}
	alice := key("alice")
	for _, s := range []string{"Alice", "ALICE", "ａｌｉｃｅ"} {
		if got := key(s); got != alice {
			t.Errorf("key(%q) = %q, want alice's %q", s, got, alice)
		}
	}
	for _, s := range []string{"alice ", "\u0430lice", "alice\u200B"} {
		if got := key(s); got != "refused" {
			t.Errorf("key(%q) = %q, want refused", s, got)
		}
	}
	if a, b := key("\u00C5ngstr\u00F6m"), key("A\u030Angstro\u0308m"); a != b {
		t.Errorf("composed %q and decomposed %q Ångström differ", a, b)
	}
	if a, b := key("Weiß"), key("WEISS"); a != b {
		t.Errorf("Weiß %q and WEISS %q differ", a, b)
	}
	if a, b := key("bob"), key("bobby"); a == b {
		t.Errorf("different names share the key %q", a)
	}
}

func TestCheckEmail(t *testing.T) {
	for _, ok := range []string{"a@b", "roger@example.com", "zoë@exämple.de", "x+y@z.org"} {
		if err := domain.CheckEmail(ok); err != nil {
			t.Errorf("CheckEmail(%q) = %v", ok, err)
		}
	}
	bad := map[string]error{
		"":                              domain.ErrEmailInvalid,
		"bad":                           domain.ErrEmailInvalid,
		"@x":                            domain.ErrEmailInvalid,
		"x@":                            domain.ErrEmailInvalid,
		"a b@c":                         domain.ErrEmailInvalid,
		"a\x00@b":                       domain.ErrEmailInvalid,
		"a\xff@b":                       domain.ErrEmailInvalid,
		strings.Repeat("a", 300) + "@b": domain.ErrEmailTooLong,
	}
	for in, want := range bad {
		if err := domain.CheckEmail(in); err != want {
			t.Errorf("CheckEmail(%q) = %v, want %v", in, err, want)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		pw   string
		min  int
		want error
	}{
		{"p", 0, nil},
		{`a"b\c[d]'{}`, 0, nil},
		{"p", 8, domain.ErrPasswordTooShort},
		{"päßwört✓", 8, nil}, // 8 characters, more bytes
		{"", 0, domain.ErrPasswordEmpty},
		{"a\x00b", 0, domain.ErrPasswordCharacters},
		{"a\xffb", 0, domain.ErrPasswordCharacters},
		{strings.Repeat("x", 72), 8, nil},
		{strings.Repeat("x", 73), 8, domain.ErrPasswordTooLong},
	}
	for _, tt := range tests {
		if err := domain.CheckPassword(tt.pw, tt.min); err != tt.want {
			t.Errorf("CheckPassword(%q, %d) = %v, want %v", tt.pw, tt.min, err, tt.want)
		}
	}
}

func TestCheckMessage(t *testing.T) {
	for _, ok := range []string{"x", " hi \n", "tabs\tand\r\nlines", "Zero-width joiner\u200dhere", strings.Repeat("é", domain.MaxMessageRunes)} {
		got, err := domain.CheckMessage(ok)
		if err != nil || got != ok {
			t.Errorf("CheckMessage(%q) = %q, %v; want it unchanged", ok, got, err)
		}
	}
	bad := map[string]error{
		"":       domain.ErrMessageEmpty,
		" \n\t":  domain.ErrMessageEmpty,
		"a\x00b": domain.ErrMessageCharacters,
		"a\x1bb": domain.ErrMessageCharacters,
		"a\xffb": domain.ErrMessageCharacters,
		strings.Repeat("x", domain.MaxMessageRunes+1): domain.ErrMessageTooLong,
		strings.Repeat("x", 1<<20):                    domain.ErrMessageTooLong,
	}
	for in, want := range bad {
		if _, err := domain.CheckMessage(in); err != want {
			t.Errorf("CheckMessage(%.20q) = %v, want %v", in, err, want)
		}
	}
}
