package browsertest

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
)

// MiniTwit's page-level knowledge: what every page has, and the forms a
// user fills in on the way to a signed-in session.

// expectPage checks that the tab shows the MiniTwit page titled title
// with status 200, and that the page carries no script: everything it does
// is plain links and forms.
func expectPage(t *testing.T, b *tab, status int64, title string) {
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

// expectFlashes checks the flash messages of the page shown, in order.
func expectFlashes(t *testing.T, b *tab, want ...string) {
	t.Helper()
	got := b.texts("ul.flashes > li")
	if !slices.Equal(got, want) {
		t.Errorf("%s: flashes %q, want %q", b.location(), got, want)
	}
}

// expectAt checks the address the tab ended on.
func expectAt(t *testing.T, b *tab, want string) {
	t.Helper()
	if got := b.location(); got != want {
		t.Errorf("at %s, want %s", got, want)
	}
}

// userPath is the address of name's page the UI links to.
func userPath(name string) string {
	return "/" + url.PathEscape(name)
}

// signUp fills in and sends the sign-up form, reached from the navigation.
func signUp(t *testing.T, b *tab, name, email, password string) int64 {
	t.Helper()
	expectPage(t, b, b.click(`nav a[href="/register"]`), "Sign Up")
	b.typeInto("#username", name)
	b.typeInto("#email", email)
	b.typeInto("#password", password)
	b.typeInto("#password2", password)
	return b.click(`form input[type=submit]`)
}

// signIn fills in and sends the sign-in form, reached from the navigation
// unless the tab shows it already.
func signIn(t *testing.T, b *tab, name, password string) int64 {
	t.Helper()
	if b.title() != "Sign In | MiniTwit" {
		expectPage(t, b, b.click(`nav a[href="/login"]`), "Sign In")
	}
	b.typeInto("#username", name)
	b.typeInto("#password", password)
	return b.click(`form input[type=submit]`)
}
