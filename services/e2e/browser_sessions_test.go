package e2e

import (
	"context"
	"errors"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// brSessions shows in Chromium that sessions end on the server (issue 9):
// a session cookie copied into another browser profile stops working when
// its owner signs out or changes the password; and a follow or sign-out
// link opened from outside the site (the browser sends Sec-Fetch-Site
// "none") only shows a confirmation page until the button on it is
// clicked; minitwit-admin revoke-sessions signs every browser of the user
// out.
func brSessions(t *testing.T, browser context.Context, s *brSite) {
	const (
		me       = "Sasha Sessions"
		them     = `Ola "O" Outside`
		password = "first password 1"
		changed  = "second password 2"
	)
	s.seedUser(t, them, "hello")
	b := brNewProfile(t, browser, false)
	brExpectPage(t, b, b.open(s.URL+"/public"), "Public Timeline")
	brExpectPage(t, b, brSignUp(t, b, me, "sasha@example.org", password), "Sign In")
	brExpectPage(t, b, brSignIn(t, b, me, password), "My Timeline")

	// A thief's browser holding a copy of the session cookie.
	thief := brNewProfile(t, browser, false)
	steal := func() {
		t.Helper()
		c, ok := b.cookies(s.URL)["minitwit_session"]
		if !ok {
			t.Fatal("signed in, but no minitwit_session cookie")
		}
		ctx, cancel := thief.step()
		defer cancel()
		if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: c.Name, Value: c.Value, URL: s.URL}); err != nil {
			t.Fatalf("set the copied cookie: %v", err)
		}
		brExpectPage(t, thief, thief.open(s.URL+"/"), "My Timeline")
	}

	t.Run("OutsideLinkConfirms", func(t *testing.T) {
		follow := brUserPath(them) + "/follow"
		brExpectPage(t, b, b.open(s.URL+follow), "Confirm")
		if r, _ := s.requests.find(http.MethodGet, follow); r.FetchSite != "none" {
			t.Errorf("the typed address was sent with Sec-Fetch-Site %q, want none", r.FetchSite)
		}
		if got := s.follows(t, me); len(got) != 0 {
			t.Fatalf("opening the link alone followed %q", got)
		}
		brExpectPage(t, b, b.click(`form input[type=submit]`), them+"'s Timeline")
		brExpectFlashes(t, b, `You are now following "`+them+`"`)
		if got := s.follows(t, me); len(got) != 1 || got[0] != them {
			t.Errorf("after the confirming click %q follows %q", me, got)
		}

		brExpectPage(t, b, b.open(s.URL+"/logout"), "Confirm")
		brExpectPage(t, b, b.open(s.URL+"/"), "My Timeline") // still signed in
	})

	t.Run("SignOutEndsCopiedSession", func(t *testing.T) {
		steal()
		brExpectPage(t, b, b.click(`nav a[href="/logout"]`), "Public Timeline")
		brExpectFlashes(t, b, "You were logged out")
		brExpectPage(t, thief, thief.open(s.URL+"/"), "Public Timeline")
		brExpectAt(t, thief, s.URL+"/public")
	})

	t.Run("PasswordChangeEndsCopiedSession", func(t *testing.T) {
		brExpectPage(t, b, brSignIn(t, b, me, password), "My Timeline")
		steal()
		brExpectPage(t, b, b.click(`nav a[href="/settings"]`), "Settings")
		b.typeInto("#current_password", password)
		b.typeInto("#password", changed)
		b.typeInto("#password2", changed)
		brExpectPage(t, b, b.click(`form[action="/settings"] input[type=submit]`), "Settings")
		brExpectFlashes(t, b, "Your password was changed")
		brExpectPage(t, thief, thief.open(s.URL+"/"), "Public Timeline")
		brExpectPage(t, b, b.open(s.URL+"/"), "My Timeline") // this browser stays signed in
	})

	t.Run("AdminRevokes", func(t *testing.T) {
		steal()
		env := []string{"DATABASE_URL=" + s.DB}
		// One session: the copy is the owner's session, not another one.
		if out := RunCmd(t, env, bin("minitwit-admin"), "revoke-sessions", me); out != me+": 1 session(s) ended\n" {
			t.Errorf("revoke-sessions printed %q, want the one session (the owner's, copied) ended", out)
		}
		brExpectPage(t, thief, thief.open(s.URL+"/"), "Public Timeline")
		brExpectPage(t, b, b.open(s.URL+"/"), "Public Timeline")
		out, err := TryCmd(env, bin("minitwit-admin"), "revoke-sessions", "nobody here")
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(out, `no user named "nobody here"`) {
			t.Errorf("revoke-sessions of an unknown user: %v, %q; want exit status 1 naming the user", err, out)
		}
	})
}
