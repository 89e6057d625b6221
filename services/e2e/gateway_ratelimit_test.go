package e2e

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testGatewayRateLimit: sign-in POSTs share a per-client budget (burst 20
// at 5/s by default); page views and the simulator API are never limited.
func testGatewayRateLimit(t *testing.T, g *Gateway) {
	t.Run("LoginAttempts", func(t *testing.T) {
		codes := map[int]int{}
		early := 0
		for i := range 40 {
			form := url.Values{"username": {"nobody-rate"}, "password": {"x"}}
			a := g.do(t, http.MethodPost, g.HTTPSURL()+"/login", form.Encode(), "Content-Type: application/x-www-form-urlencoded")
			codes[a.Status]++
			if i < 15 && a.Status == http.StatusTooManyRequests {
				early++
			}
		}
		if early != 0 || codes[http.StatusTooManyRequests] < 10 {
			t.Errorf("40 rapid POST /login: answers %v, %d of the first 15 were 429; want the first 15 served and 10 or more 429",
				codes, early)
		}
	})
	t.Run("LoginPageNotLimited", func(t *testing.T) {
		if a := g.get(t, g.HTTPSURL()+"/login"); a.Status != http.StatusOK {
			t.Errorf("GET /login right after: %d, want 200", a.Status)
		}
	})
	t.Run("APIRegisterNotLimited", func(t *testing.T) {
		codes := map[int]int{}
		for range 40 {
			a := g.do(t, http.MethodPost, g.HTTPSURL()+"/api/register", "{}", "Content-Type: application/json")
			codes[a.Status]++
		}
		if d := cmp.Diff(map[int]int{http.StatusBadRequest: 40}, codes); d != "" {
			t.Errorf("40 rapid POST /api/register {} (-want +got):\n%s", d)
		}
	})
}
