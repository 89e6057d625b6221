package browsertest

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

const (
	// browserTimeout bounds a whole test's browser: a hung page fails the
	// test instead of the test binary's ten-minute alarm.
	browserTimeout = 90 * time.Second
	// actionTimeout bounds one step; chromedp retries a query until its
	// element appears, so a missing element would otherwise wait for good.
	actionTimeout = 15 * time.Second
)

// chromiumPath is the browser under test. Without one the tests are
// skipped, unless MINITWIT_REQUIRE_CHROMIUM=1 says this run must have it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	path := os.Getenv("MINITWIT_CHROMIUM")
	if path == "" {
		if os.Getenv("MINITWIT_REQUIRE_CHROMIUM") == "1" {
			t.Fatal("MINITWIT_REQUIRE_CHROMIUM=1 but MINITWIT_CHROMIUM is not set")
		}
		t.Skip("MINITWIT_CHROMIUM is not set: browser tests not run (scripts/test-browser.sh runs them)")
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("MINITWIT_CHROMIUM: %v", err)
	}
	return path
}

// startBrowser launches headless Chromium with a fresh profile and returns
// the context that new tabs derive from.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	output := &lockedBuffer{}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		// Made before the cleanups below, so it is removed after Chromium exits.
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox, // root in a container has no user namespaces to sandbox with
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		// Without these Chromium phones home at start, and in this
		// network its own connections are refused.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// Pages link to Gravatar; no name but the loopback ones resolves,
		// so the test never sends traffic off this machine.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"),
		chromedp.WindowSize(1100, 900),
		chromedp.CombinedOutput(output),
	)
	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc() // waits for the Chromium process to end
		cancel()
		if t.Failed() && strings.TrimSpace(output.String()) != "" {
			t.Logf("Chromium output:\n%s", output.String())
		}
	})
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return browserCtx
}

// tab is one browser tab, used like a person uses it. Every step fails
// the test on error.
type tab struct {
	t   *testing.T
	ctx context.Context
}

// newTab opens a tab in the browser of parent. Its pages run no
// JavaScript unless javascript is true: the UI must work without it.
func newTab(t *testing.T, parent context.Context, javascript bool) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(parent)
	t.Cleanup(cancel)
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled,
		emulation.SetScriptExecutionDisabledParams{Value: !javascript}); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	return &tab{t: t, ctx: ctx}
}

func (b *tab) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, actionTimeout)
}

// open loads url as if typed into the address bar and returns the status
// of the page finally shown.
func (b *tab) open(url string) int64 {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(url))
	if err != nil {
		b.t.Fatalf("open %s: %v", url, err)
	}
	return resp.Status
}

// start begins loading url and returns without waiting, for pages that
// navigate away by themselves before they finish loading.
func (b *tab) start(url string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if _, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: url}); err != nil {
		b.t.Fatalf("open %s: %v", url, err)
	}
}

// click clicks the element sel (a link or a submit button), waits for the
// page it leads to and returns that page's status, after any redirect.
func (b *tab) click(sel string) int64 {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		b.t.Fatalf("click %s: %v", sel, err)
	}
	return resp.Status
}

// typeInto empties the field sel and types text into it key by key.
func (b *tab) typeInto(sel, text string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), text)); err != nil {
		b.t.Fatalf("type into %s: %v", sel, err)
	}
}

// text is what a reader sees of the first element sel.
func (b *tab) text(sel string) string {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// texts is what a reader sees of every element sel, in page order; none
// is an empty list. It inspects the page through DevTools, which works
// while the page's own scripts are off.
func (b *tab) texts(sel string) []string {
	b.t.Helper()
	return inspect[[]string](b, "Array.from(document.querySelectorAll(%s), e => e.innerText.trim())", sel)
}

// count is how many elements match sel.
func (b *tab) count(sel string) int {
	b.t.Helper()
	return inspect[int](b, "document.querySelectorAll(%s).length", sel)
}

// innerHTML is the markup inside the first element sel, as the browser
// serializes its DOM.
func (b *tab) innerHTML(sel string) string {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.InnerHTML(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("inner HTML of %s: %v", sel, err)
	}
	return s
}

func inspect[T any](b *tab, expr, sel string) T {
	b.t.Helper()
	quoted, err := json.Marshal(sel)
	if err != nil {
		b.t.Fatal(err)
	}
	ctx, cancel := b.step()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](strings.Replace(expr, "%s", string(quoted), 1)))
	if err != nil {
		b.t.Fatalf("inspect %s: %v", sel, err)
	}
	return v
}

func (b *tab) location() string {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("location: %v", err)
	}
	return s
}

func (b *tab) title() string {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		b.t.Fatalf("title: %v", err)
	}
	return s
}

// awaitTitle waits up to d for the tab to show the page titled want, for
// pages that a script or another site leads to, and reports what it shows.
func (b *tab) awaitTitle(want string, d time.Duration) (string, bool) {
	b.t.Helper()
	deadline := time.Now().Add(d)
	for {
		got := b.title()
		if got == want || time.Now().After(deadline) {
			return got, got == want
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cookies are the browser's cookies for url, as its cookie store holds them.
func (b *tab) cookies(url string) map[string]*network.Cookie {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{url}})
	if err != nil {
		b.t.Fatalf("cookies: %v", err)
	}
	m := make(map[string]*network.Cookie, len(res.Cookies))
	for _, c := range res.Cookies {
		m[c.Name] = c
	}
	return m
}

func (b *tab) screenshot() []byte {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	return png
}
