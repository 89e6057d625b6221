package e2e

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// gwAPIAnswer is what an ACCEPTED_IPS check looks at: GET /api/latest's
// status, content type and, for a refusal, the JSON error.
type gwAPIAnswer struct {
	Status      int
	ContentType string
	Error       *gwAPIError
}

func (g *Gateway) apiLatest(t testing.TB, headers ...string) gwAPIAnswer {
	t.Helper()
	a := g.get(t, g.HTTPSURL()+"/api/latest", headers...)
	got := gwAPIAnswer{Status: a.Status, ContentType: a.Header.Get("Content-Type")}
	if a.Status != http.StatusOK {
		got.Error = &gwAPIError{}
		if err := json.Unmarshal([]byte(a.Body), got.Error); err != nil {
			t.Fatalf("GET /api/latest: %d with a body that is not JSON: %q", a.Status, a.Body)
		}
	}
	return got
}

var (
	gwAPIAllowed   = gwAPIAnswer{Status: 200, ContentType: "application/json"}
	gwAPIForbidden = gwAPIAnswer{Status: 403, ContentType: "application/json",
		Error: &gwAPIError{403, "You are not authorized to use this resource!"}}
)

// gwWithSettings runs the checks of one configuration and puts the previous
// settings back afterwards.
func gwWithSettings(t *testing.T, g *Gateway, s GatewaySettings, checks func(t *testing.T)) {
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
	want := func(t *testing.T, w gwAPIAnswer, headers ...string) {
		t.Helper()
		if d := cmp.Diff(w, g.apiLatest(t, headers...)); d != "" {
			t.Errorf("GET /api/latest %q (-want +got):\n%s", headers, d)
		}
	}
	t.Run("Loopback", func(t *testing.T) {
		gwWithSettings(t, g, GatewaySettings{AcceptedIPs: "127.0.0.1"}, func(t *testing.T) {
			t.Run("Allowed", func(t *testing.T) { want(t, gwAPIAllowed) })
			t.Run("ForwardedForIgnored", func(t *testing.T) { want(t, gwAPIAllowed, "X-Forwarded-For: 10.9.9.9") })
		})
	})
	t.Run("Other", func(t *testing.T) {
		gwWithSettings(t, g, GatewaySettings{AcceptedIPs: "10.0.0.1"}, func(t *testing.T) {
			for _, c := range []struct{ name, header string }{
				{"Refused", ""},
				{"SpoofedForwardedFor", "X-Forwarded-For: 10.0.0.1"},
				{"SpoofedRealIP", "X-Real-IP: 10.0.0.1"},
				{"SpoofedForwardedForLoopback", "X-Forwarded-For: 127.0.0.1"},
				{"SpoofedForwarded", "Forwarded: for=10.0.0.1"},
			} {
				t.Run(c.name, func(t *testing.T) {
					if c.header == "" {
						want(t, gwAPIForbidden)
					} else {
						want(t, gwAPIForbidden, c.header)
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
		gwWithSettings(t, g, GatewaySettings{AcceptedIPs: "10.0.0.1", TrustedProxies: "127.0.0.1"}, func(t *testing.T) {
			t.Run("NamesAcceptedClient", func(t *testing.T) { want(t, gwAPIAllowed, "X-Forwarded-For: 10.0.0.1") })
			t.Run("ForgedEntryBeforeRealClient", func(t *testing.T) {
				want(t, gwAPIForbidden, "X-Forwarded-For: 10.0.0.1, 192.168.1.1")
			})
			t.Run("ProxyItselfNotAClient", func(t *testing.T) { want(t, gwAPIForbidden) })
		})
	})
	t.Run("CIDR", func(t *testing.T) {
		gwWithSettings(t, g, GatewaySettings{AcceptedIPs: "192.0.2.0/24, 127.0.0.0/8"}, func(t *testing.T) {
			want(t, gwAPIAllowed)
		})
	})
	t.Run("Everyone", func(t *testing.T) {
		gwWithSettings(t, g, GatewaySettings{AcceptedIPs: "*"}, func(t *testing.T) {
			want(t, gwAPIAllowed, "X-Forwarded-For: 10.9.9.9")
		})
	})
}
