package browsertest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
)

// TestUserJourney walks one person through MiniTwit with JavaScript off:
// sign up, sign in, post, follow someone, read them on the timeline,
// unfollow, sign out. Names, password and message hold the characters that
// break naive escaping and encoding.
func TestUserJourney(t *testing.T) {
	const (
		me       = "Zoë 测试 Ünïcødé"
		email    = "zoe@example.org"
		password = `pa"ss'wo\rd \\ 1`
		them     = `Ana "Q" <Ødegård> & co`
		theirs   = "Hello from Ana & friends <3"
		post     = "<b>html</b> “quotes” 😀"
	)
	browser := startBrowser(t)
	s := startSite(t)
	s.seedUser(t, them, theirs)
	b := newTab(t, browser, false)

	// Signed out, the home page is the public timeline.
	expectPage(t, b, b.open(s.URL+"/"), "Public Timeline")
	expectAt(t, b, s.URL+"/public")
	if got, want := b.texts("nav a"), []string{"public timeline", "sign up", "sign in"}; !slices.Equal(got, want) {
		t.Errorf("signed-out navigation %q, want %q", got, want)
	}

	expectPage(t, b, signUp(t, b, me, email, password), "Sign In")
	expectAt(t, b, s.URL+"/login")
	expectFlashes(t, b, "You were successfully registered and can login now")

	// A wrong password is refused on the form, which keeps the name typed.
	expectPage(t, b, signIn(t, b, me, password+"x"), "Sign In")
	if got := b.text("div.error"); got != "Error: Invalid password" {
		t.Errorf("error %q, want %q", got, "Error: Invalid password")
	}
	if got := inspect[string](b, "document.querySelector(%s).value", "#username"); got != me {
		t.Errorf("username field %q after a failed sign-in, want %q", got, me)
	}

	expectPage(t, b, signIn(t, b, me, password), "My Timeline")
	expectAt(t, b, s.URL+"/")
	expectFlashes(t, b, "You were logged in")
	if got, want := b.text(".twitbox h3"), "What's on your mind "+me+"?"; got != want {
		t.Errorf("twitbox %q, want %q", got, want)
	}
	if got, want := b.texts("nav a"), []string{"my timeline", "public timeline", "sign out [" + me + "]"}; !slices.Equal(got, want) {
		t.Errorf("signed-in navigation %q, want %q", got, want)
	}
	expectSessionCookie(t, b, s.URL)

	// A flash shows once: the same page again has none.
	expectPage(t, b, b.open(s.URL+"/"), "My Timeline")
	expectFlashes(t, b)

	b.typeInto(`.twitbox input[name=text]`, post)
	expectPage(t, b, b.click(`.twitbox input[type=submit][value=Share]`), "My Timeline")
	expectAt(t, b, s.URL+"/")
	expectFlashes(t, b, "Your message was recorded")
	if got := b.texts("ul.messages > li .text"); !slices.Equal(got, []string{post}) {
		t.Fatalf("my timeline shows %q, want only %q", got, post)
	}
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

	// Find them on the public timeline and go to their page.
	expectPage(t, b, b.click(`nav a[href="/public"]`), "Public Timeline")
	if got := b.texts("ul.messages > li .text"); !slices.Equal(got, []string{post, theirs}) {
		t.Errorf("public timeline %q, want %q", got, []string{post, theirs})
	}
	expectPage(t, b, b.click(`ul.messages a[href="`+userPath(them)+`"]`), them+"'s Timeline")
	expectFollowStatus(t, b, "You are not yet following this user.", "Follow user")

	expectPage(t, b, b.click(".followstatus button"), them+"'s Timeline")
	expectAt(t, b, s.URL+userPath(them))
	expectFlashes(t, b, `You are now following "`+them+`"`)
	if n := b.count("ul.flashes *:not(li)"); n != 0 {
		t.Errorf("the name in the flash became %d elements", n)
	}
	expectFollowStatus(t, b, "You are currently following this user.", "Unfollow user")

	expectPage(t, b, b.click(`nav a[href="/"]`), "My Timeline")
	if got, want := b.texts("ul.messages > li .text"), []string{post, theirs}; !slices.Equal(got, want) {
		t.Errorf("my timeline while following shows %q, want %q", got, want)
	}
	saveScreenshot(t, b.screenshot())

	expectPage(t, b, b.click(`ul.messages a[href="`+userPath(them)+`"]`), them+"'s Timeline")
	expectPage(t, b, b.click(".followstatus button"), them+"'s Timeline")
	expectFlashes(t, b, `You are no longer following "`+them+`"`)
	expectFollowStatus(t, b, "You are not yet following this user.", "Follow user")
	expectPage(t, b, b.click(`nav a[href="/"]`), "My Timeline")
	if got := b.texts("ul.messages > li .text"); !slices.Equal(got, []string{post}) {
		t.Errorf("my timeline after unfollowing shows %q, want only %q", got, post)
	}

	if got, want := b.text(`nav a[href="/logout"]`), "sign out ["+me+"]"; got != want {
		t.Errorf("sign-out link %q, want %q", got, want)
	}
	expectPage(t, b, b.click(`nav a[href="/logout"]`), "Public Timeline")
	expectAt(t, b, s.URL+"/public")
	expectFlashes(t, b, "You were logged out")
	if _, ok := b.cookies(s.URL)["minitwit_session"]; ok {
		t.Error("the session cookie outlived sign-out")
	}
	expectPage(t, b, b.open(s.URL+"/"), "Public Timeline")
	expectAt(t, b, s.URL+"/public")
}

// expectFollowStatus checks the box on someone else's page: what it says
// and the one control it offers.
func expectFollowStatus(t *testing.T, b *tab, status, button string) {
	t.Helper()
	box := b.text(".followstatus")
	if !strings.HasPrefix(box, status) {
		t.Errorf("follow status %q, want it to start %q", box, status)
	}
	if got := b.texts(".followstatus button"); !slices.Equal(got, []string{button}) {
		t.Errorf("follow controls %q, want %q", got, button)
	}
}

// expectSessionCookie checks the session cookie as the browser stored it:
// out of reach of page scripts, not sent with cross-site subrequests or
// POSTs, and (served over plain HTTP here) not marked Secure.
func expectSessionCookie(t *testing.T, b *tab, siteURL string) {
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

// saveScreenshot keeps the picture for a person to look at; the test
// prints where. MINITWIT_SCREENSHOT_DIR chooses the directory.
func saveScreenshot(t *testing.T, png []byte) {
	t.Helper()
	dir := os.Getenv("MINITWIT_SCREENSHOT_DIR")
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "minitwit-browser-"); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "timeline.png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the timeline: %s", path)
}
