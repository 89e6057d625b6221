package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// brAvatar is one message's avatar as the browser loaded it.
type brAvatar struct {
	Src      string `json:"src"` // the address the browser chose from src and srcset
	Complete bool   `json:"complete"`
	// Natural size in CSS pixels (the 2x image counts half): 0 for a
	// broken image.
	Width  int `json:"width"`
	Height int `json:"height"`
}

// brAvatars: every avatar on a timeline is an image this site serves and
// the browser shows (no broken image, nothing fetched from elsewhere), at
// the page's size and, on a high-density screen, at twice that.
func brAvatars(t *testing.T, browser context.Context, s *brSite) {
	authors := []string{"ann", `Bo "B" <Ø>`, "cy"}
	for _, a := range authors {
		s.seedUser(t, a, "hello from "+a)
	}
	for _, dpr := range []float64{1, 2} {
		t.Run(fmt.Sprintf("x%g", dpr), func(t *testing.T) {
			b := brNewProfile(t, browser, false)
			if dpr != 1 {
				ctx, cancel := b.step()
				_, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride,
					emulation.SetDeviceMetricsOverrideParams{Width: 1100, Height: 900, DeviceScaleFactor: dpr})
				cancel()
				if err != nil {
					t.Fatal(err)
				}
			}
			s.requests.forget()
			brExpectPage(t, b, b.open(s.URL+"/public"), "Public Timeline")
			var got []brAvatar
			Eventually(t, brStepTimeout, "avatars loaded", func() error {
				got = brEval[[]brAvatar](b, `Array.from(document.querySelectorAll("ul.messages > li img"),
					i => ({src: i.currentSrc, complete: i.complete, width: i.naturalWidth, height: i.naturalHeight}))`)
				for _, a := range got {
					if !a.Complete {
						return fmt.Errorf("%s still loading", a.Src)
					}
				}
				return nil
			})
			if len(got) != len(authors) {
				t.Fatalf("%d avatars for %d messages: %+v", len(got), len(authors), got)
			}
			px := int(48 * dpr)
			seen := map[string]bool{}
			for _, a := range got {
				path, ok := strings.CutPrefix(a.Src, s.URL+"/avatar/")
				if !ok || !strings.HasSuffix(path, fmt.Sprintf("/%d.png", px)) {
					t.Errorf("avatar from %q, want %s/avatar/<key>/%d.png", a.Src, s.URL, px)
					continue
				}
				if a.Width != 48 || a.Height != 48 {
					t.Errorf("avatar %s shows %d×%d, want 48×48 (0 is a broken image)", a.Src, a.Width, a.Height)
				}
				seen[a.Src] = true
				if r, ok := s.requests.find(http.MethodGet, "/avatar/"+path); !ok || r.Status != http.StatusOK {
					t.Errorf("GET /avatar/%s: %+v (found %v), want a 200 from the site", path, r, ok)
				}
			}
			if len(seen) != len(authors) {
				t.Errorf("%d different avatars for %d authors", len(seen), len(authors))
			}
			// A second visit takes the images from the browser's cache: by
			// the page's load event, which open waits for, the browser
			// would have asked for them.
			s.requests.forget()
			brExpectPage(t, b, b.open(s.URL+"/public"), "Public Timeline")
			for src := range seen {
				path := strings.TrimPrefix(src, s.URL)
				if _, ok := s.requests.find(http.MethodGet, path); ok {
					t.Errorf("the browser fetched %s again instead of using its cache", path)
				}
			}
		})
	}
}
