package e2e

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"
)

// brTwoFactor turns two-factor sign-in on in Chromium the way a person
// does (settings, "Turn on", the key into an authenticator, its code
// back) and then signs in with a recovery code and with a TOTP code. The
// authenticator here is an RFC 6238 implementation of the test's own, not
// the library the service uses, as a phone app would be.
func brTwoFactor(t *testing.T, browser context.Context, s *brSite) {
	const (
		me       = "Tove Twofactor"
		password = "two factors 22"
	)
	b := brNewProfile(t, browser, false)
	brExpectPage(t, b, b.open(s.URL+"/public"), "Public Timeline")
	brExpectPage(t, b, brSignUp(t, b, me, "tove@example.org", password), "Sign In")
	brExpectPage(t, b, brSignIn(t, b, me, password), "My Timeline")

	var secret string
	var recovery []string
	var setupStep int64
	t.Run("TurnOn", func(t *testing.T) {
		brExpectPage(t, b, b.open(s.URL+"/settings"), "Settings")
		brExpectPage(t, b, b.click(`a[href="/settings/two-factor"]`), "Two-factor sign-in")
		brExpectPage(t, b, b.click(`form[action="/settings/two-factor/start"] input[type=submit]`), "Two-factor sign-in")
		// The QR code is drawn: an inline SVG the page's CSP allows, at
		// its full size.
		if w := brEval[float64](b, `document.querySelector("svg.qr-code").getBoundingClientRect().width`); w < 200 {
			t.Errorf("QR code %v px wide, want 240", w)
		}
		if n := b.count("svg.qr-code path"); n != 1 {
			t.Errorf("QR code has %d paths, want 1", n)
		}
		secret = strings.ReplaceAll(b.text("code.totp-secret"), " ", "")
		// What a phone's camera sees scans to the key shown as text.
		brExpectQR(t, b, "svg.qr-code", me, secret)

		b.typeInto("#code", "000000")
		if brTOTP(t, secret, time.Now().Unix()/30) == "000000" {
			b.typeInto("#code", "999999")
		}
		brExpectPage(t, b, b.click(`form[action="/settings/two-factor/enable"] input[type=submit]`), "Two-factor sign-in")
		brExpectTexts(t, b, "error", "div.error", "Error: Invalid code")

		setupStep = time.Now().Unix() / 30
		b.typeInto("#code", brTOTP(t, secret, setupStep))
		brExpectPage(t, b, b.click(`form[action="/settings/two-factor/enable"] input[type=submit]`), "Two-factor sign-in")
		recovery = b.texts("ul.recovery-codes li")
		if len(recovery) != 10 {
			t.Fatalf("%d recovery codes shown, want 10", len(recovery))
		}
		brExpectPage(t, b, b.open(s.URL+"/settings/two-factor"), "Two-factor sign-in")
		if got := b.text("p.two-factor-status"); got != "Two-factor sign-in is on. 10 recovery codes left." {
			t.Errorf("status %q", got)
		}
	})
	if recovery == nil {
		t.FailNow()
	}

	// signIn signs out, signs in with the password and lands on the code
	// page without a session.
	signIn := func(t *testing.T) *brTab {
		t.Helper()
		c := brNewProfile(t, browser, false)
		brExpectPage(t, c, c.open(s.URL+"/login"), "Sign In")
		brExpectPage(t, c, brSignIn(t, c, me, password), "Sign In")
		brExpectAt(t, c, s.URL+"/login/code")
		if _, ok := c.cookies(s.URL)["minitwit_session"]; ok {
			t.Fatal("a session cookie before the second factor")
		}
		return c
	}

	t.Run("RecoveryCode", func(t *testing.T) {
		c := signIn(t)
		c.typeInto("#code", recovery[0])
		brExpectPage(t, c, c.click(`form input[type=submit]`), "My Timeline")
		brExpectFlashes(t, c, "You were logged in")

		again := signIn(t)
		again.typeInto("#code", recovery[0])
		brExpectPage(t, again, again.click(`form input[type=submit]`), "Sign In")
		brExpectTexts(t, again, "error", "div.error", "Error: Invalid code")
	})

	t.Run("AuthenticatorCode", func(t *testing.T) {
		c := signIn(t)
		// The step after the set-up's: the set-up's own code is used up.
		code := brTOTP(t, secret, setupStep+1)
		c.typeInto("#code", code)
		brExpectPage(t, c, c.click(`form input[type=submit]`), "My Timeline")
		brExpectFlashes(t, c, "You were logged in")
		if r, ok := s.requests.find(http.MethodPost, "/login/code"); !ok || r.Status != http.StatusFound {
			t.Errorf("POST /login/code: %+v", r)
		}

		replay := signIn(t)
		replay.typeInto("#code", code)
		brExpectPage(t, replay, replay.click(`form input[type=submit]`), "Sign In")
		brExpectTexts(t, replay, "error", "div.error", "Error: Invalid code")
	})
}

// brExpectQR decodes the QR code sel as Chromium draws it (zbarimg on a
// screenshot of the element) and checks it is the otpauth:// key of the
// TOTP parameters authenticator apps expect, for account with secret.
func brExpectQR(t *testing.T, b *brTab, sel, account, secret string) {
	t.Helper()
	zbarimg := NeedTool(t, "zbarimg", "zbar-tools")
	png := brGet(b, "screenshot of "+sel, chromedp.Screenshot(chromedp.CSS(sel), chromedp.NodeVisible))
	file := filepath.Join(t.TempDir(), "qr.png")
	if err := os.WriteFile(file, png, 0o600); err != nil {
		t.Fatal(err)
	}
	// Standard output only: zbarimg complains about D-Bus on standard error.
	stdout, err := exec.Command(zbarimg, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", file).Output()
	if err != nil {
		t.Fatalf("zbarimg found no QR code in the screenshot: %v", err)
	}
	out := strings.TrimSpace(string(stdout))
	u, err := url.Parse(out)
	if err != nil {
		t.Fatalf("QR code holds %q: %v", out, err)
	}
	q := u.Query()
	got := []string{u.Scheme, u.Host, u.Path, q.Get("secret"), q.Get("issuer"), q.Get("algorithm"), q.Get("digits"), q.Get("period")}
	want := []string{"otpauth", "totp", "/MiniTwit:" + account, secret, "MiniTwit", "SHA1", "6", "30"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("QR code %q (-want +got):\n%s", out, diff)
	}
}

// brTOTP is RFC 6238's TOTP (HMAC-SHA-1, 30 s steps, 6 digits) of a base32
// secret at step.
func brTOTP(t *testing.T, secret string, step int64) string {
	t.Helper()
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(secret))
	if err != nil || len(key) == 0 {
		t.Fatalf("secret %q is not base32: %v", secret, err)
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", v%1_000_000)
}
