package e2e

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// MiniTwit's page-level knowledge: what every page has, and the forms a
// user fills in on the way to a signed-in session.

// brExpectPage checks that the tab shows the MiniTwit page titled title
// with status 200, and that the page carries no script: everything it does
// is plain links and forms.
func brExpectPage(t *testing.T, b *brTab, status int64, title string) {
	t.Helper()
	if status != http.StatusOK {
		t.Errorf("%s: status %d, want 200", b.location(), status)
	}
	if got, want := b.title(), title+" | MiniTwit"; got != want {
		t.Fatalf("%s: title %q, want %q", b.location(), got, want)
	}
	if got := b.text("h1"); got != "MiniTwit" {
		t.Errorf("heading %q, want MiniTwit", got)
	}
	if n := b.count("script, [onclick], [onsubmit], [onload]"); n != 0 {
		t.Errorf("%s has %d script elements or handlers; the UI must need no JavaScript", b.location(), n)
	}
}

// brExpectTexts checks what a reader sees of every element sel, in order.
func brExpectTexts(t *testing.T, b *brTab, what, sel string, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if diff := cmp.Diff(want, b.texts(sel)); diff != "" {
		t.Errorf("%s: %s (-want +got):\n%s", b.location(), what, diff)
	}
}

// brExpectFlashes checks the flash messages of the page shown, in order.
func brExpectFlashes(t *testing.T, b *brTab, want ...string) {
	t.Helper()
	brExpectTexts(t, b, "flashes", "ul.flashes > li", want...)
}

// brExpectAt checks the address the tab ended on.
func brExpectAt(t *testing.T, b *brTab, want string) {
	t.Helper()
	if got := b.location(); got != want {
		t.Errorf("at %s, want %s", got, want)
	}
}

// brUserPath is the address of name's page the UI links to.
func brUserPath(name string) string {
	return "/" + url.PathEscape(name)
}

// brSignUp fills in and sends the sign-up form, reached from the navigation.
func brSignUp(t *testing.T, b *brTab, name, email, password string) int64 {
	t.Helper()
	brExpectPage(t, b, b.click(`nav a[href="/register"]`), "Sign Up")
	b.typeInto("#username", name)
	b.typeInto("#email", email)
	b.typeInto("#password", password)
	b.typeInto("#password2", password)
	return b.click(`form input[type=submit]`)
}

// brSignIn fills in and sends the sign-in form, reached from the navigation
// unless the tab shows it already.
func brSignIn(t *testing.T, b *brTab, name, password string) int64 {
	t.Helper()
	if b.title() != "Sign In | MiniTwit" {
		brExpectPage(t, b, b.click(`nav a[href="/login"]`), "Sign In")
	}
	b.typeInto("#username", name)
	b.typeInto("#password", password)
	return b.click(`form input[type=submit]`)
}
