package e2e

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
)

// brJourney walks one person through MiniTwit with JavaScript off: sign
// up, sign in, post, follow someone, read them on the timeline, unfollow,
// sign out. Names, password and message hold the characters that break
// naive escaping and encoding.
func brJourney(t *testing.T, browser context.Context, s *brSite) {
	const (
		me       = "Zoë 测试 Ünïcødé"
		email    = "zoe@example.org"
		password = `pa"ss'wo\rd \\ 1`
		them     = `Ana "Q" <Ødegård> & co`
		theirs   = "Hello from Ana & friends <3"
		post     = "<b>html</b> “quotes” 😀"
	)
	s.seedUser(t, them, theirs)
	b := brNewProfile(t, browser, false)

	// Signed out, the home page is the public timeline.
	brExpectPage(t, b, b.open(s.URL+"/"), "Public Timeline")
	brExpectAt(t, b, s.URL+"/public")
	brExpectTexts(t, b, "signed-out navigation", "nav a", "public timeline", "sign up", "sign in")

	brExpectPage(t, b, brSignUp(t, b, me, email, password), "Sign In")
	brExpectAt(t, b, s.URL+"/login")
	brExpectFlashes(t, b, "You were successfully registered and can login now")

	// A wrong password is refused on the form, which keeps the name typed.
	brExpectPage(t, b, brSignIn(t, b, me, password+"x"), "Sign In")
	if got := b.text("div.error"); got != "Error: Invalid password" {
		t.Errorf("error %q, want %q", got, "Error: Invalid password")
	}
	if got := brInspect[string](b, "document.querySelector(%s).value", "#username"); got != me {
		t.Errorf("username field %q after a failed sign-in, want %q", got, me)
	}

	brExpectPage(t, b, brSignIn(t, b, me, password), "My Timeline")
	brExpectAt(t, b, s.URL+"/")
	brExpectFlashes(t, b, "You were logged in")
	if got, want := b.text(".twitbox h3"), "What's on your mind "+me+"?"; got != want {
		t.Errorf("twitbox %q, want %q", got, want)
	}
	brExpectTexts(t, b, "signed-in navigation", "nav a", "my timeline", "public timeline", "settings", "sign out ["+me+"]")
	brExpectSessionCookie(t, b, s.URL)

	// A flash shows once: the same page again has none.
	brExpectPage(t, b, b.open(s.URL+"/"), "My Timeline")
	brExpectFlashes(t, b)

	b.typeInto(`.twitbox input[name=text]`, post)
	brExpectPage(t, b, b.click(`.twitbox input[type=submit][value=Share]`), "My Timeline")
	brExpectAt(t, b, s.URL+"/")
	brExpectFlashes(t, b, "Your message was recorded")
	brExpectTexts(t, b, "my timeline", "ul.messages > li .text", post)
	// The markup in the message is text on the page, not an element.
	if n := b.count("ul.messages b"); n != 0 {
		t.Errorf("the message became %d <b> elements", n)
	}
	if got, want := b.innerHTML("ul.messages > li .text"), "&lt;b&gt;html&lt;/b&gt; “quotes” 😀"; got != want {
		t.Errorf("message markup %q, want %q", got, want)
	}
	if got := b.text("ul.messages > li strong a"); got != me {
		t.Errorf("message author %q, want %q", got, me)
	}
	// What the page shows is what was stored, byte for byte.
	if msgs := s.publicMessages(t); len(msgs) == 0 || msgs[0] != (brMessage{Content: post, User: me}) {
		t.Errorf("the API's newest message is not the one posted: %+v", msgs)
	}

	// Find them on the public timeline and go to their page.
	brExpectPage(t, b, b.click(`nav a[href="/public"]`), "Public Timeline")
	brExpectTexts(t, b, "public timeline", "ul.messages > li .text", post, theirs)
	brExpectPage(t, b, b.click(`ul.messages a[href="`+brUserPath(them)+`"]`), them+"'s Timeline")
	brExpectFollowStatus(t, b, "You are not yet following this user.", "Follow user")

	brExpectPage(t, b, b.click(".followstatus button"), them+"'s Timeline")
	brExpectAt(t, b, s.URL+brUserPath(them))
	brExpectFlashes(t, b, `You are now following "`+them+`"`)
	if n := b.count("ul.flashes *:not(li)"); n != 0 {
		t.Errorf("the name in the flash became %d elements", n)
	}
	brExpectFollowStatus(t, b, "You are currently following this user.", "Unfollow user")
	if got := s.follows(t, me); len(got) != 1 || got[0] != them {
		t.Errorf("the API says %q follows %q, want only %q", me, got, them)
	}

	brExpectPage(t, b, b.click(`nav a[href="/"]`), "My Timeline")
	brExpectTexts(t, b, "my timeline while following", "ul.messages > li .text", post, theirs)
	brSaveScreenshot(t, b)

	brExpectPage(t, b, b.click(`ul.messages a[href="`+brUserPath(them)+`"]`), them+"'s Timeline")
	brExpectPage(t, b, b.click(".followstatus button"), them+"'s Timeline")
	brExpectFlashes(t, b, `You are no longer following "`+them+`"`)
	brExpectFollowStatus(t, b, "You are not yet following this user.", "Follow user")
	if got := s.follows(t, me); len(got) != 0 {
		t.Errorf("after unfollowing the API says %q follows %q", me, got)
	}
	brExpectPage(t, b, b.click(`nav a[href="/"]`), "My Timeline")
	brExpectTexts(t, b, "my timeline after unfollowing", "ul.messages > li .text", post)

	if got, want := b.text(`nav a[href="/logout"]`), "sign out ["+me+"]"; got != want {
		t.Errorf("sign-out link %q, want %q", got, want)
	}
	brExpectPage(t, b, b.click(`nav a[href="/logout"]`), "Public Timeline")
	brExpectAt(t, b, s.URL+"/public")
	brExpectFlashes(t, b, "You were logged out")
	if _, ok := b.cookies(s.URL)["minitwit_session"]; ok {
		t.Error("the session cookie outlived sign-out")
	}
	brExpectPage(t, b, b.open(s.URL+"/"), "Public Timeline")
	brExpectAt(t, b, s.URL+"/public")
}

// brExpectFollowStatus checks the box on someone else's page: what it says
// and the one control it offers.
func brExpectFollowStatus(t *testing.T, b *brTab, status, button string) {
	t.Helper()
	box := b.text(".followstatus")
	if !strings.HasPrefix(box, status) {
		t.Errorf("follow status %q, want it to start %q", box, status)
	}
	brExpectTexts(t, b, "follow controls", ".followstatus button", button)
}

// brExpectSessionCookie checks the session cookie as the browser stored
// it: out of reach of page scripts, not sent with cross-site subrequests
// or POSTs, and (served over plain HTTP here) not marked Secure.
func brExpectSessionCookie(t *testing.T, b *brTab, siteURL string) {
	t.Helper()
	c, ok := b.cookies(siteURL)["minitwit_session"]
	if !ok {
		t.Fatal("signed in, but the browser holds no minitwit_session cookie")
	}
	if !c.HTTPOnly {
		t.Error("session cookie is not HttpOnly")
	}
	if c.SameSite != network.CookieSameSiteLax {
		t.Errorf("session cookie SameSite=%q, want Lax", c.SameSite)
	}
	if c.Secure {
		t.Error("session cookie is Secure on a plain-HTTP site, so the browser would not send it back")
	}
	if c.Path != "/" {
		t.Errorf("session cookie path %q, want /", c.Path)
	}
}

// brSaveScreenshot keeps a picture of the page for a person to look at and
// logs where. MINITWIT_SCREENSHOT_DIR chooses a directory that outlives the
// test; otherwise the picture goes to the test's temporary directory.
func brSaveScreenshot(t *testing.T, b *brTab) {
	t.Helper()
	shot := b.screenshot()
	cfg, err := png.DecodeConfig(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("the screenshot is no PNG: %v", err)
	}
	width := brEval[int](b, "document.documentElement.scrollWidth")
	height := brEval[int](b, "document.documentElement.scrollHeight")
	if cfg.Width != width || cfg.Height != height {
		t.Errorf("screenshot %dx%d, want the whole page, %dx%d", cfg.Width, cfg.Height, width, height)
	}
	dir := os.Getenv("MINITWIT_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, "timeline-"+strings.ReplaceAll(t.Name(), "/", "-")+".png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the timeline: %s", path)
}
