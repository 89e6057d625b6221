package e2e

// The suites' third-party test dependencies, named once so that go.mod keeps
// them while the suites are written. Removed when every suite imports them.
import (
	_ "github.com/chromedp/chromedp"
	_ "github.com/goccy/go-yaml"
	_ "github.com/google/go-cmp/cmp"
)
