package webui_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"minitwit/shared/storetest"
	"minitwit/web/webui"
)

// clock is a test clock that moves only when told, so TOTP steps are
// chosen by the test, not by when it happens to run.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func withClock(c *clock) appOption { return func(d *webui.Deps) { d.Now = c.now } }

// code is the authenticator's code for secret (base32, as the page shows
// it) at t, computed by the library, as a phone app would.
func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wrongCode is a six-digit code valid at none of the steps around at.
func wrongCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	valid := map[string]bool{}
	for _, d := range []time.Duration{-60, -30, 0, 30, 60} {
		valid[code(t, secret, at.Add(d*time.Second))] = true
	}
	for _, c := range []string{"000000", "123456", "999999", "424242"} {
		if !valid[c] {
			return c
		}
	}
	t.Fatal("no wrong code found")
	return ""
}

func textOf(t *testing.T, body, tag, class string) []string {
	t.Helper()
	var out []string
	for _, n := range findAll(parse(t, body), element(tag, "class", class)) {
		out = append(out, text(n))
	}
	return out
}

// turnOn sets two-factor sign-in up for c's user through the pages and
// returns the secret and the recovery codes shown.
func turnOn(t *testing.T, c *client, clk *clock) (secret string, recovery []string) {
	t.Helper()
	page := c.get("/settings/two-factor")
	wantStatus(t, page, http.StatusOK)
	mustContain(t, page.Body, "Two-factor sign-in is off")
	page = c.follow(c.post("/settings/two-factor/start", url.Values{}))
	wantStatus(t, page, http.StatusOK)
	secrets := textOf(t, page.Body, "code", "totp-secret")
	if len(secrets) != 1 {
		t.Fatalf("set-up page shows %d secrets, want 1:\n%s", len(secrets), page.Body)
	}
	secret = strings.ReplaceAll(secrets[0], " ", "")
	if svg := findAll(parse(t, page.Body), element("svg", "class", "qr-code")); len(svg) != 1 {
		t.Fatalf("set-up page shows %d QR codes, want 1", len(svg))
	}

	r := c.post("/settings/two-factor/enable", url.Values{"code": {wrongCode(t, secret, clk.now())}})
	wantStatus(t, r, http.StatusOK)
	mustContain(t, r.Body, errorBox("Invalid code"))

	r = c.post("/settings/two-factor/enable", url.Values{"code": {code(t, secret, clk.now())}})
	wantStatus(t, r, http.StatusOK)
	recovery = textOf(t, r.Body, "ul", "recovery-codes")
	recovery = strings.Fields(strings.Join(recovery, " "))
	if len(recovery) != 10 {
		t.Fatalf("%d recovery codes shown, want 10:\n%s", len(recovery), r.Body)
	}
	page = c.get("/settings/two-factor")
	mustContain(t, page.Body, "Two-factor sign-in is on. 10 recovery codes left.")
	mustNotContain(t, page.Body, recovery[0], secrets[0])
	return secret, recovery
}

// signInStep1 posts the password and expects to be asked for a code.
func signInStep1(t *testing.T, a *app, name string) *client {
	t.Helper()
	c := a.client()
	r := c.post("/login", url.Values{"username": {name}, "password": {"pw-" + name}})
	wantRedirect(t, r, "/login/code")
	if c.cookie("minitwit_session") != "" {
		t.Fatal("a session started before the second factor")
	}
	page := c.follow(r)
	wantStatus(t, page, http.StatusOK)
	if got := formFields(t, page.Body, "/login/code"); len(got) != 1 || got[0] != "code" {
		t.Fatalf("code form fields %q, want [code]", got)
	}
	// Still signed out: the home page asks for a sign-in.
	if r := c.get("/"); r.Status == http.StatusOK && strings.Contains(r.Body, "My Timeline") {
		t.Fatal("signed in with the password alone")
	}
	return c
}

func wantSignedIn(t *testing.T, c *client, r response) {
	t.Helper()
	wantRedirect(t, r, "/")
	page := c.follow(r)
	mustContain(t, page.Body, flashBox("You were logged in"), "<h2>My Timeline</h2>")
}

func wantCodeRefused(t *testing.T, c *client, typed string) {
	t.Helper()
	r := c.post("/login/code", url.Values{"code": {typed}})
	wantStatus(t, r, http.StatusOK)
	mustContain(t, r.Body, errorBox("Invalid code"))
	if c.cookie("minitwit_session") != "" {
		t.Fatal("a refused code started a session")
	}
}

func TestTwoFactor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		clk := &clock{t: time.Now()}
		a := newApp(t, db, withClock(clk))

		owner, _ := a.signedIn("dora")
		// Signed in elsewhere with the password alone, before two-factor.
		elsewhere := a.client()
		wantRedirect(t, elsewhere.post("/login", url.Values{"username": {"dora"}, "password": {"pw-dora"}}), "/")
		secret, recovery := turnOn(t, owner, clk)
		t.Run("turning on ends the other sessions", func(t *testing.T) {
			mustContain(t, owner.get("/").Body, "<h2>My Timeline</h2>")
			if r := elsewhere.get("/"); strings.Contains(r.Body, "<h2>My Timeline</h2>") {
				t.Error("a session from before two-factor sign-in was turned on still works")
			}
		})
		// The code that confirmed the set-up cannot sign in: same step.
		setupCode := code(t, secret, clk.now())

		t.Run("password alone is not enough", func(t *testing.T) {
			c := signInStep1(t, a, "dora")
			wantCodeRefused(t, c, setupCode)
		})

		clk.add(30 * time.Second)
		t.Run("code signs in once", func(t *testing.T) {
			c := signInStep1(t, a, "dora")
			wantCodeRefused(t, c, wrongCode(t, secret, clk.now()))
			now := code(t, secret, clk.now())
			wantSignedIn(t, c, c.post("/login/code", url.Values{"code": {now[:3] + " " + now[3:]}}))

			replay := signInStep1(t, a, "dora")
			wantCodeRefused(t, replay, now)
		})

		t.Run("recovery code signs in once", func(t *testing.T) {
			c := signInStep1(t, a, "dora")
			wantSignedIn(t, c, c.post("/login/code", url.Values{"code": {strings.ToUpper(recovery[3])}}))

			again := signInStep1(t, a, "dora")
			wantCodeRefused(t, again, recovery[3])
			wantSignedIn(t, again, again.post("/login/code", url.Values{"code": {recovery[4]}}))
			page := again.get("/settings/two-factor")
			mustContain(t, page.Body, "8 recovery codes left.")
		})

		t.Run("no code page without a right password", func(t *testing.T) {
			c := a.client()
			wantRedirect(t, c.get("/login/code"), "/login")
			wantRedirect(t, c.post("/login/code", url.Values{"code": {recovery[0]}}), "/login")
			r := c.post("/login", url.Values{"username": {"dora"}, "password": {"wrong"}})
			mustContain(t, r.Body, errorBox("Invalid password"))
			wantRedirect(t, c.get("/login/code"), "/login")
		})

		t.Run("pending sign-in expires", func(t *testing.T) {
			c := signInStep1(t, a, "dora")
			clk.add(5 * time.Minute)
			wantRedirect(t, c.post("/login/code", url.Values{"code": {recovery[0]}}), "/login")
			clk.add(-5 * time.Minute)
		})

		t.Run("users without two-factor sign in as before", func(t *testing.T) {
			c, _ := a.signedIn("eve") // fails unless /login redirects to / at once
			mustContain(t, c.get("/settings/two-factor").Body, "Two-factor sign-in is off")
			// A code without a set-up (or after it expired) turns nothing on.
			r := c.post("/settings/two-factor/enable", url.Values{"code": {"123456"}})
			wantRedirect(t, r, "/settings/two-factor")
			mustContain(t, c.follow(r).Body, flashBox("The set-up expired; please start again"), "Two-factor sign-in is off")
		})

		t.Run("settings need a signed-in user", func(t *testing.T) {
			c := a.client()
			wantStatus(t, c.get("/settings/two-factor"), http.StatusUnauthorized)
			wantStatus(t, c.post("/settings/two-factor/start", url.Values{}), http.StatusUnauthorized)
		})

		t.Run("cross-site posts refused", func(t *testing.T) {
			r := owner.do(http.MethodPost, "/settings/two-factor/disable", url.Values{"password": {"pw-dora"}},
				header{"Sec-Fetch-Site": "cross-site"})
			wantStatus(t, r, http.StatusForbidden)
			mustContain(t, owner.get("/settings/two-factor").Body, "Two-factor sign-in is on.")
		})

		t.Run("turn off", func(t *testing.T) {
			r := owner.post("/settings/two-factor/disable", url.Values{"password": {"wrong"}})
			mustContain(t, r.Body, errorBox("Invalid code or password"))
			r = owner.post("/settings/two-factor/disable", url.Values{"code": {wrongCode(t, secret, clk.now())}})
			mustContain(t, r.Body, errorBox("Invalid code or password"))
			clk.add(30 * time.Second)
			r = owner.post("/settings/two-factor/disable", url.Values{"code": {code(t, secret, clk.now())}})
			wantRedirect(t, r, "/settings/two-factor")
			page := owner.follow(r)
			mustContain(t, page.Body, flashBox("Two-factor sign-in is off"), "Two-factor sign-in is off. With it on")
			c := a.client()
			wantRedirect(t, c.post("/login", url.Values{"username": {"dora"}, "password": {"pw-dora"}}), "/")
		})
	})
}

// Wrong codes are failed sign-ins: enough of them block the account, also
// for the right code, until the block ends.
func TestTwoFactorThrottle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		clk := &clock{t: time.Now()}
		a := newApp(t, db, withClock(clk))
		owner, _ := a.signedIn("finn")
		secret, _ := turnOn(t, owner, clk)
		clk.add(30 * time.Second)

		c := signInStep1(t, a, "finn")
		bad := wrongCode(t, secret, clk.now())
		var r response
		for range 10 {
			if r = c.post("/login/code", url.Values{"code": {bad}}); r.Status == http.StatusTooManyRequests {
				break
			}
			mustContain(t, r.Body, errorBox("Invalid code"))
		}
		wantStatus(t, r, http.StatusTooManyRequests)
		if r.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
		r = c.post("/login/code", url.Values{"code": {code(t, secret, clk.now())}})
		wantStatus(t, r, http.StatusTooManyRequests)
		if c.cookie("minitwit_session") != "" {
			t.Fatal("a blocked account signed in")
		}
		// A right password does not lift the block on codes.
		c2 := a.client()
		r = c2.post("/login", url.Values{"username": {"finn"}, "password": {"pw-finn"}})
		if r.Status == http.StatusFound {
			r = c2.post("/login/code", url.Values{"code": {code(t, secret, clk.now())}})
			wantStatus(t, r, http.StatusTooManyRequests)
		} else {
			wantStatus(t, r, http.StatusTooManyRequests)
		}

		clk.add(time.Hour)
		c3 := signInStep1(t, a, "finn")
		wantSignedIn(t, c3, c3.post("/login/code", url.Values{"code": {code(t, secret, clk.now())}}))

		// A signed-in browser (a stolen session, say) cannot guess the
		// password on the turn-off form either.
		for range 10 {
			if r = c3.post("/settings/two-factor/disable", url.Values{"password": {"guess"}}); r.Status == http.StatusTooManyRequests {
				break
			}
			mustContain(t, r.Body, errorBox("Invalid code or password"))
		}
		wantStatus(t, r, http.StatusTooManyRequests)
		r = c3.post("/settings/two-factor/disable", url.Values{"password": {"pw-finn"}})
		wantStatus(t, r, http.StatusTooManyRequests)
		mustContain(t, c3.get("/settings/two-factor").Body, "Two-factor sign-in is on.")
	})
}

// A SESSION_KEY rotation keeps two-factor sign-in working: secrets sealed
// under the previous key open during the transition and are sealed anew
// under the new key at their next use, so dropping the previous key later
// locks out nobody who signed in meanwhile.
func TestTwoFactorKeyRotation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db storetest.DB) {
		clk := &clock{t: time.Now()}
		oldKey, newKey := []byte("old-session-key-0123456789abcdef"), []byte("new-session-key-0123456789abcdef")
		withPrevious := func(k []byte) appOption { return func(d *webui.Deps) { d.PreviousSessionKey = k } }

		before := newApp(t, db, withClock(clk), withKey(oldKey))
		owner, _ := before.signedIn("gus")
		secret, _ := turnOn(t, owner, clk)

		during := newApp(t, db, withClock(clk), withKey(newKey), withPrevious(oldKey))
		clk.add(30 * time.Second)
		c := signInStep1(t, during, "gus")
		wantSignedIn(t, c, c.post("/login/code", url.Values{"code": {code(t, secret, clk.now())}}))

		after := newApp(t, db, withClock(clk), withKey(newKey))
		clk.add(30 * time.Second)
		c = signInStep1(t, after, "gus")
		wantSignedIn(t, c, c.post("/login/code", url.Values{"code": {code(t, secret, clk.now())}}))
	})
}
