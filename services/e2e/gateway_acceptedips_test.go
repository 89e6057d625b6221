package e2e

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// apiAnswer is what an ACCEPTED_IPS check looks at: GET /api/latest's
// status, content type and, for a refusal, the JSON error.
type apiAnswer struct {
	Status      int
	ContentType string
	Error       *apiError
}

func (g *Gateway) apiLatest(t testing.TB, headers ...string) apiAnswer {
	t.Helper()
	a := g.get(t, g.HTTPSURL()+"/api/latest", headers...)
	got := apiAnswer{Status: a.Status, ContentType: a.Header.Get("Content-Type")}
	if a.Status != http.StatusOK {
		got.Error = &apiError{}
		if err := json.Unmarshal([]byte(a.Body), got.Error); err != nil {
			t.Fatalf("GET /api/latest: %d with a body that is not JSON: %q", a.Status, a.Body)
		}
	}
	return got
}

var (
	apiAllowed   = apiAnswer{Status: 200, ContentType: "application/json"}
	apiForbidden = apiAnswer{Status: 403, ContentType: "application/json",
		Error: &apiError{403, "You are not authorized to use this resource!"}}
)

// withSettings runs the checks of one configuration and puts the previous
// settings back afterwards.
func withSettings(t *testing.T, g *Gateway, s GatewaySettings, checks func(t *testing.T)) {
	t.Helper()
	before := g.Settings()
	g.Reconfigure(t, s)
	t.Cleanup(func() { g.Reconfigure(t, before) })
	checks(t)
}

// testGatewayAcceptedIPs: only ACCEPTED_IPS may use /api/; a client's own
// forwarding headers never change who it is; only TRUSTED_PROXIES may name
// the client.
func testGatewayAcceptedIPs(t *testing.T, g *Gateway) {
	want := func(t *testing.T, w apiAnswer, headers ...string) {
		t.Helper()
		if d := cmp.Diff(w, g.apiLatest(t, headers...)); d != "" {
			t.Errorf("GET /api/latest %q (-want +got):\n%s", headers, d)
		}
	}
	t.Run("Loopback", func(t *testing.T) {
		withSettings(t, g, GatewaySettings{AcceptedIPs: "127.0.0.1"}, func(t *testing.T) {
			t.Run("Allowed", func(t *testing.T) { want(t, apiAllowed) })
			t.Run("ForwardedForIgnored", func(t *testing.T) { want(t, apiAllowed, "X-Forwarded-For: 10.9.9.9") })
		})
	})
	t.Run("Other", func(t *testing.T) {
		withSettings(t, g, GatewaySettings{AcceptedIPs: "10.0.0.1"}, func(t *testing.T) {
			for _, c := range []struct{ name, header string }{
				{"Refused", ""},
				{"SpoofedForwardedFor", "X-Forwarded-For: 10.0.0.1"},
				{"SpoofedRealIP", "X-Real-IP: 10.0.0.1"},
				{"SpoofedForwardedForLoopback", "X-Forwarded-For: 127.0.0.1"},
				{"SpoofedForwarded", "Forwarded: for=10.0.0.1"},
			} {
				t.Run(c.name, func(t *testing.T) {
					if c.header == "" {
						want(t, apiForbidden)
					} else {
						want(t, apiForbidden, c.header)
					}
				})
			}
			t.Run("WebNotRestricted", func(t *testing.T) {
				if a := g.get(t, g.HTTPSURL()+"/public"); a.Status != http.StatusOK {
					t.Errorf("GET /public: %d, want 200", a.Status)
				}
			})
		})
	})
	t.Run("TrustedProxy", func(t *testing.T) {
		withSettings(t, g, GatewaySettings{AcceptedIPs: "10.0.0.1", TrustedProxies: "127.0.0.1"}, func(t *testing.T) {
			t.Run("NamesAcceptedClient", func(t *testing.T) { want(t, apiAllowed, "X-Forwarded-For: 10.0.0.1") })
			t.Run("ForgedEntryBeforeRealClient", func(t *testing.T) {
				want(t, apiForbidden, "X-Forwarded-For: 10.0.0.1, 192.168.1.1")
			})
			t.Run("ProxyItselfNotAClient", func(t *testing.T) { want(t, apiForbidden) })
		})
	})
	t.Run("CIDR", func(t *testing.T) {
		withSettings(t, g, GatewaySettings{AcceptedIPs: "192.0.2.0/24, 127.0.0.0/8"}, func(t *testing.T) {
			want(t, apiAllowed)
		})
	})
	t.Run("Everyone", func(t *testing.T) {
		withSettings(t, g, GatewaySettings{AcceptedIPs: "*"}, func(t *testing.T) {
			want(t, apiAllowed, "X-Forwarded-For: 10.9.9.9")
		})
	})
}
