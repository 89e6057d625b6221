package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// brChromium is Debian's Chromium, the browser under test.
const brChromium = "/usr/bin/chromium"

// brStepTimeout bounds one browser step; chromedp retries a query until its
// element appears, so a missing element would otherwise wait for good.
const brStepTimeout = 15 * time.Second

// brStartChromium launches headless Chromium for the whole test and returns
// the context that profiles derive from. It ends with the test.
func brStartChromium(t *testing.T) context.Context {
	t.Helper()
	path := NeedTool(t, brChromium, "chromium")
	logPath := filepath.Join(t.TempDir(), "chromium.log")
	output, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
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
		// No name but the loopback ones resolves, so the test never
		// sends traffic off this machine.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"),
		chromedp.WindowSize(1100, 900),
		chromedp.CombinedOutput(output),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc() // waits for the Chromium process to end
		output.Close()
		if t.Failed() {
			t.Logf("--- last lines of Chromium's output:\n%s", tailFile(logPath, 40))
		}
	})
	// The first call starts the browser and must not get a context that
	// ends early: ending it ends Chromium.
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return browserCtx
}

// brTab is one browser tab, used like a person uses it. Every step fails
// the test on error.
type brTab struct {
	t   *testing.T
	ctx context.Context
}

// brNewProfile opens a tab in a fresh browser profile of the browser: its
// own cookies, so that the checks and the sites under test (all on
// 127.0.0.1, where cookies do not tell ports apart) never share a session.
// Its pages run no JavaScript unless javascript is true.
func brNewProfile(t *testing.T, browser context.Context, javascript bool) *brTab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	return brOpenTab(t, ctx, javascript)
}

// newTab opens another tab in the same profile: it shares b's cookies.
func (b *brTab) newTab(javascript bool) *brTab {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	b.t.Cleanup(cancel)
	return brOpenTab(b.t, ctx, javascript)
}

func brOpenTab(t *testing.T, ctx context.Context, javascript bool) *brTab {
	t.Helper()
	// The first call opens the tab; like the browser's, its context is the
	// tab's own, not a step's.
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled,
		emulation.SetScriptExecutionDisabledParams{Value: !javascript}); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	return &brTab{t: t, ctx: ctx}
}

func (b *brTab) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, brStepTimeout)
}

// brGet runs one step that yields a value; what names it in a failure.
func brGet[T any](b *brTab, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// open loads url as if typed into the address bar and returns the status
// of the page finally shown.
func (b *brTab) open(url string) int64 {
	b.t.Helper()
	return brGet(b, "open "+url, chromedp.NavigateResponse(url)).Status
}

// start begins loading url and returns without waiting, for pages that
// navigate away by themselves before they finish loading.
func (b *brTab) start(url string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if _, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: url}); err != nil {
		b.t.Fatalf("open %s: %v", url, err)
	}
}

// click clicks the element sel (a link or a submit button), waits for the
// page it leads to and returns that page's status, after any redirect.
func (b *brTab) click(sel string) int64 {
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
func (b *brTab) typeInto(sel, text string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), text)); err != nil {
		b.t.Fatalf("type into %s: %v", sel, err)
	}
}

// text is what a reader sees of the first element sel.
func (b *brTab) text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(brGet(b, "text of "+sel, chromedp.Text(chromedp.CSS(sel))))
}

// texts is what a reader sees of every element sel, in page order; none
// is an empty list. It inspects the page through DevTools, which works
// while the page's own scripts are off.
func (b *brTab) texts(sel string) []string {
	b.t.Helper()
	got := brInspect[[]string](b, "Array.from(document.querySelectorAll(%s), e => e.innerText.trim())", sel)
	if got == nil {
		got = []string{}
	}
	return got
}

// count is how many elements match sel.
func (b *brTab) count(sel string) int {
	b.t.Helper()
	return brInspect[int](b, "document.querySelectorAll(%s).length", sel)
}

// innerHTML is the markup inside the first element sel, as the browser
// serializes its DOM.
func (b *brTab) innerHTML(sel string) string {
	b.t.Helper()
	return brGet(b, "inner HTML of "+sel, chromedp.InnerHTML(chromedp.CSS(sel)))
}

// brInspect evaluates expr with the JSON-quoted selector sel in place of %s.
func brInspect[T any](b *brTab, expr, sel string) T {
	b.t.Helper()
	quoted, err := json.Marshal(sel)
	if err != nil {
		b.t.Fatal(err)
	}
	return brEval[T](b, strings.Replace(expr, "%s", string(quoted), 1))
}

// brEval is the value of a JavaScript expression on the page, evaluated
// through DevTools (which works while the page's own scripts are off).
func brEval[T any](b *brTab, expr string) T {
	b.t.Helper()
	return brGet(b, "evaluate "+expr, chromedp.Evaluate[T](expr))
}

func (b *brTab) location() string {
	b.t.Helper()
	return brGet(b, "location", chromedp.Location())
}

func (b *brTab) title() string {
	b.t.Helper()
	return brGet(b, "title", chromedp.Title())
}

// awaitTitle waits for the tab to show the page titled want, for pages
// that a script or another site leads to, and reports what it shows.
func (b *brTab) awaitTitle(want string) (string, bool) {
	b.t.Helper()
	deadline := time.Now().Add(brStepTimeout)
	for {
		got := b.title()
		if got == want || time.Now().After(deadline) {
			return got, got == want
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cookies are the profile's cookies for url, as its cookie store holds them.
func (b *brTab) cookies(url string) map[string]*network.Cookie {
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

// screenshot is a PNG of the whole page.
func (b *brTab) screenshot() []byte {
	b.t.Helper()
	return brGet(b, "screenshot", chromedp.FullScreenshot(100))
}
